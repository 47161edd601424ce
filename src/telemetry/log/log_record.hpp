#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

// The shape of a log line: the fields every record has, then extra fields. Pure
// functions, thread-safe; every string is escaped (see json_escape.hpp), so odd input
// cannot forge a field or end the line, and NaN or infinite numbers become null.
namespace glassbox::telemetry::log {

enum class Level : std::uint8_t { kDebug, kInfo, kWarn, kError };

// "DEBUG", "INFO", "WARN", "ERROR": the `level` field's values.
std::string_view level_name(Level level);

// One extra field of a record. Values are copied when the record is logged, so views may
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

// Appends what follows the timestamp: `"level":…,"service":…,"logger":…,"message":…`, the
// extra fields in the order given, and the closing brace.
void append_record_body(std::string& out, Level level, std::string_view service,
                        std::string_view logger_name, std::string_view message,
                        std::initializer_list<Field> fields);

// One whole record (without the newline): timestamp, level, service, logger, message, then
// the extra fields in the order given.
std::string format_record(std::string_view timestamp, Level level, std::string_view service,
                          std::string_view logger_name, std::string_view message,
                          std::initializer_list<Field> fields);

}  // namespace glassbox::telemetry::log
