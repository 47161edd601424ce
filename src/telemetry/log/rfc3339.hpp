#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// The `timestamp` field: RFC 3339, UTC, milliseconds, `Z` ("2026-11-23T19:02:49.123Z").
namespace glassbox::telemetry::log {

// Milliseconds since the Unix epoch from the system (wall) clock. Thread-safe.
std::int64_t epoch_millis_now() noexcept;

// Epoch milliseconds in that format; times before 1970 round down (-1 is
// "1969-12-31T23:59:59.999Z"). Thread-safe.
std::string format_rfc3339_millis(std::int64_t epoch_millis);
// The current time in that format. Thread-safe.
std::string rfc3339_now_millis();

// The same format, remembering the last second so that consecutive records (the usual
// case for a log writer) cost a copy instead of a calendar computation.
// Not thread-safe: one per thread (the log writer thread owns one).
class TimestampCache {
 public:
  // The returned view stays valid until the next call.
  std::string_view format(std::int64_t epoch_millis);

 private:
  std::int64_t cached_second_ = INT64_MIN;
  char text_[48] = {};
  std::size_t seconds_length_ = 0;  // of "YYYY-MM-DDTHH:MM:SS"
};

}  // namespace glassbox::telemetry::log
