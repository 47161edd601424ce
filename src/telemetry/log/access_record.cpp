#include "telemetry/log/access_record.hpp"

#include <charconv>
#include <cmath>

#include "telemetry/log/json_escape.hpp"

namespace glassbox::telemetry::log {
namespace {

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

// Rounded to the microsecond, then the shortest text that reads back as that double:
// 0.1534 → 0.153, 12.0 → 12.
void append_millis(std::string& out, double millis) {
  if (!std::isfinite(millis)) {
    out += "null";
    return;
  }
  const double rounded = std::round(millis * 1000.0) / 1000.0;
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), rounded);
  out.append(buffer, result.ptr);
}

void append_string_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;  // a literal of ours: `,"name":`
  append_json_string(out, value);
}

}  // namespace

Level access_level(int status_code) noexcept {
  if (status_code >= 500) return Level::kError;
  if (status_code >= 400) return Level::kWarn;
  return Level::kInfo;
}

void append_access_record(std::string& out, std::string_view timestamp, std::string_view service,
                          const AccessRecord& record) {
  out += "{\"timestamp\":\"";
  out += timestamp;
  out += "\",\"level\":\"";
  out += level_name(access_level(record.status_code));
  out += "\",\"service\":";
  append_json_string(out, service);
  out += ",\"logger\":\"";
  out += kAccessLoggerName;  // constants of ours: nothing to escape
  out += "\",\"message\":\"";
  out += kAccessMessage;
  out.push_back('"');
  append_string_field(out, ",\"method\":", record.method);
  append_string_field(out, ",\"endpoint\":", record.endpoint);
  append_string_field(out, ",\"route\":", record.route);
  out += ",\"status_code\":";
  append_integer(out, record.status_code);
  out += ",\"duration_ms\":";
  append_millis(out, record.duration_ms);
  append_string_field(out, ",\"client_address\":", record.client_address);
  append_string_field(out, ",\"user_agent\":", record.user_agent);
  out += ",\"response_size\":";
  append_integer(out, record.response_size);
  if (!record.trace_id.empty()) append_string_field(out, ",\"trace_id\":", record.trace_id);
  if (!record.span_id.empty()) append_string_field(out, ",\"span_id\":", record.span_id);
  out.push_back('}');
}

}  // namespace glassbox::telemetry::log
