#pragma once

#include <string_view>

#include "app/app_metrics.hpp"
#include "http/error.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "storage/store_result.hpp"
#include "telemetry/log/logger.hpp"

namespace glassbox::app {

// How long a client is told to wait (Retry-After, seconds) when a pool is saturated.
inline constexpr std::string_view kRetryAfterSeconds = "1";

// The response for a failed storage call. The client sees the category only; the
// internal detail (SQL errors, connection messages) goes to the log.
// Counted in errors_total.
http::Response store_error_response(const storage::StoreError& error,
                                    telemetry::log::Logger& logger, AppMetrics& metrics,
                                    std::string_view operation);

// 503 overloaded with Retry-After, for a pool whose queue is full.
http::Response overloaded_response(std::string_view what);

// True when the request declares a JSON body (application/json, any parameters).
bool has_json_content_type(const http::Request& request);

}  // namespace glassbox::app
