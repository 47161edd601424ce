#include "telemetry/log/log_record.hpp"

#include <charconv>
#include <cmath>

#include "telemetry/log/json_escape.hpp"

namespace glassbox::telemetry::log {

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "INFO";
}

namespace {

void append_value(std::string& out, const Field::Value& value) {
  if (const auto* text = std::get_if<std::string_view>(&value)) {
    append_json_string(out, *text);
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), *integer);
    out.append(buffer, result.ptr);
  } else if (const auto* number = std::get_if<double>(&value)) {
    if (!std::isfinite(*number)) {
      out += "null";  // JSON has no NaN or infinity
      return;
    }
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), *number);
    out.append(buffer, result.ptr);
  } else {
    out += std::get<bool>(value) ? "true" : "false";
  }
}

}  // namespace

void append_record_body(std::string& out, Level level, std::string_view service,
                        std::string_view logger_name, std::string_view message,
                        std::initializer_list<Field> fields) {
  out += "\"level\":\"";
  out += level_name(level);
  out += "\",\"service\":";
  append_json_string(out, service);
  out += ",\"logger\":";
  append_json_string(out, logger_name);
  out += ",\"message\":";
  append_json_string(out, message);
  for (const Field& field : fields) {
    out.push_back(',');
    append_json_string(out, field.name);
    out.push_back(':');
    append_value(out, field.value);
  }
  out.push_back('}');
}

std::string format_record(std::string_view timestamp, Level level, std::string_view service,
                          std::string_view logger_name, std::string_view message,
                          std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(160 + message.size());
  line += "{\"timestamp\":";
  append_json_string(line, timestamp);
  line.push_back(',');
  append_record_body(line, level, service, logger_name, message, fields);
  return line;
}

}  // namespace glassbox::telemetry::log
