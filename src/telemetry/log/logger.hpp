#pragma once

#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

namespace glassbox::telemetry::log {

enum class Level : std::uint8_t { kDebug, kInfo, kWarn, kError };

// "DEBUG", "INFO", "WARN", "ERROR": the `level` field's values.
std::string_view level_name(Level level);

// One extra field of a record. Values are copied into the line at once, so views may
// point at temporaries.
struct Field {
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;
  std::string_view name;
  Value value;

  Field(std::string_view field_name, std::string_view text) : name(field_name), value(text) {}
  Field(std::string_view field_name, const char* text)
      : name(field_name), value(std::string_view(text)) {}
  Field(std::string_view field_name, const std::string& text)
      : name(field_name), value(std::string_view(text)) {}
  Field(std::string_view field_name, std::int64_t number) : name(field_name), value(number) {}
  Field(std::string_view field_name, int number)
      : name(field_name), value(static_cast<std::int64_t>(number)) {}
  Field(std::string_view field_name, unsigned number)
      : name(field_name), value(static_cast<std::int64_t>(number)) {}
  Field(std::string_view field_name, double number) : name(field_name), value(number) {}
  Field(std::string_view field_name, bool flag) : name(field_name), value(flag) {}
};

// Writes one JSON object per line to a file descriptor (stdout by default) with the fields
// every record has: timestamp (RFC 3339 UTC, milliseconds), level, service, logger,
// message, then the extra fields in the order given.
//
// Thread-safe: a line is formatted on the caller's thread and written with a single
// write(2) under a mutex, so lines are never split or interleaved.
class Logger {
 public:
  Logger(std::string service_name, Level minimum_level, int fd = 1);

  bool enabled(Level level) const { return level >= minimum_level_; }
  void write(Level level, std::string_view logger_name, std::string_view message,
             std::initializer_list<Field> fields = {});

 private:
  void write_line(const std::string& line);

  const std::string service_name_;
  const Level minimum_level_;
  const int fd_;
  std::mutex write_mutex_;
};

// Formats the line write() would emit (without the newline); exposed for tests.
std::string format_record(std::string_view timestamp, Level level, std::string_view service,
                          std::string_view logger_name, std::string_view message,
                          std::initializer_list<Field> fields);

// Epoch milliseconds as RFC 3339 UTC with milliseconds: "2026-11-23T19:02:49.123Z".
std::string format_rfc3339_millis(std::int64_t epoch_millis);
// The current time in that format.
std::string rfc3339_now_millis();

}  // namespace glassbox::telemetry::log
