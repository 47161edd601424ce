#include "telemetry/log/logger.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

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
    out += std::to_string(*integer);
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

std::string format_record(std::string_view timestamp, Level level, std::string_view service,
                          std::string_view logger_name, std::string_view message,
                          std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(160 + message.size());
  line += "{\"timestamp\":";
  append_json_string(line, timestamp);
  line += ",\"level\":\"";
  line += level_name(level);
  line += "\",\"service\":";
  append_json_string(line, service);
  line += ",\"logger\":";
  append_json_string(line, logger_name);
  line += ",\"message\":";
  append_json_string(line, message);
  for (const Field& field : fields) {
    line.push_back(',');
    append_json_string(line, field.name);
    line.push_back(':');
    append_value(line, field.value);
  }
  line.push_back('}');
  return line;
}

std::string format_rfc3339_millis(std::int64_t epoch_millis) {
  std::int64_t seconds = epoch_millis / 1000;
  std::int64_t millis = epoch_millis % 1000;
  if (millis < 0) {  // floor division for times before 1970
    millis += 1000;
    seconds -= 1;
  }
  const auto time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char buffer[48];
  const std::size_t length = std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + length, sizeof(buffer) - length, ".%03dZ", static_cast<int>(millis));
  return buffer;
}

std::string rfc3339_now_millis() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return format_rfc3339_millis(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

Logger::Logger(std::string service_name, Level minimum_level, int fd)
    : service_name_(std::move(service_name)), minimum_level_(minimum_level), fd_(fd) {}

void Logger::write(Level level, std::string_view logger_name, std::string_view message,
                   std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  std::string line =
      format_record(rfc3339_now_millis(), level, service_name_, logger_name, message, fields);
  line.push_back('\n');
  write_line(line);
}

void Logger::write_line(const std::string& line) {
  const std::lock_guard lock(write_mutex_);
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t result = ::write(fd_, line.data() + written, line.size() - written);
    if (result < 0) {
      if (errno == EINTR) continue;
      return;  // stdout gone: nothing useful left to do with the record
    }
    written += static_cast<std::size_t>(result);
  }
}

}  // namespace glassbox::telemetry::log
