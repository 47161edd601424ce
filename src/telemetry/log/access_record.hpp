#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "telemetry/log/log_record.hpp"

// The access-log record: one per finished request (CONTRACT.md, Logs).
namespace glassbox::telemetry::log {

inline constexpr std::string_view kAccessLoggerName = "http.access";
inline constexpr std::string_view kAccessMessage = "Request completed";

// What one finished request contributes to its log line. Views only: Logger::access copies
// them before it returns, so they may point at the request's buffers.
struct AccessRecord {
  std::string_view method;
  std::string_view endpoint;  // the path without the query
  std::string_view route;     // the route template, or "unmatched"
  int status_code = 0;
  double duration_ms = 0;  // written rounded to the microsecond
  std::string_view client_address;
  std::string_view user_agent;
  std::uint64_t response_size = 0;
  std::string_view trace_id;  // 32 hex digits; left out of the line when empty
  std::string_view span_id;   // 16 hex digits; left out of the line when empty
};

// 5xx (and anything above) ERROR, 4xx WARN, everything else INFO.
Level access_level(int status_code) noexcept;

// Appends the whole record (without the newline): timestamp, level, service, logger
// ("http.access"), message ("Request completed"), method, endpoint, route, status_code,
// duration_ms, client_address, user_agent, response_size, trace_id, span_id.
// Thread-safe. Every string is escaped (a crafted path or user agent stays inside its own
// field); a NaN or infinite duration is written as null. `timestamp` is copied unescaped
// and must be RFC 3339 text.
void append_access_record(std::string& out, std::string_view timestamp, std::string_view service,
                          const AccessRecord& record);

}  // namespace glassbox::telemetry::log
