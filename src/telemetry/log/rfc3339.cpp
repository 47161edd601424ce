#include "telemetry/log/rfc3339.hpp"

#include <chrono>
#include <cstring>
#include <ctime>

namespace glassbox::telemetry::log {
namespace {

struct SplitMillis {
  std::int64_t seconds;
  int millis;
};

SplitMillis split(std::int64_t epoch_millis) {
  std::int64_t seconds = epoch_millis / 1000;
  std::int64_t millis = epoch_millis % 1000;
  if (millis < 0) {  // floor division for times before 1970
    millis += 1000;
    seconds -= 1;
  }
  return {seconds, static_cast<int>(millis)};
}

// Writes "YYYY-MM-DDTHH:MM:SS" and returns its length.
std::size_t write_seconds(char* out, std::size_t capacity, std::int64_t seconds) {
  const auto time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  return std::strftime(out, capacity, "%Y-%m-%dT%H:%M:%S", &utc);
}

// Writes ".mmmZ" (5 characters).
void write_millis(char* out, int millis) {
  out[0] = '.';
  out[1] = static_cast<char>('0' + millis / 100);
  out[2] = static_cast<char>('0' + millis / 10 % 10);
  out[3] = static_cast<char>('0' + millis % 10);
  out[4] = 'Z';
}

}  // namespace

std::int64_t epoch_millis_now() noexcept {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
}

std::string format_rfc3339_millis(std::int64_t epoch_millis) {
  const SplitMillis parts = split(epoch_millis);
  char buffer[48];
  const std::size_t length = write_seconds(buffer, sizeof(buffer) - 5, parts.seconds);
  write_millis(buffer + length, parts.millis);
  return std::string(buffer, length + 5);
}

std::string rfc3339_now_millis() {
  return format_rfc3339_millis(epoch_millis_now());
}

std::string_view TimestampCache::format(std::int64_t epoch_millis) {
  const SplitMillis parts = split(epoch_millis);
  if (parts.seconds != cached_second_) {
    seconds_length_ = write_seconds(text_, sizeof(text_) - 5, parts.seconds);
    cached_second_ = parts.seconds;
  }
  write_millis(text_ + seconds_length_, parts.millis);
  return std::string_view(text_, seconds_length_ + 5);
}

}  // namespace glassbox::telemetry::log
