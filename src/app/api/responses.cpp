#include "app/api/responses.hpp"

#include <boost/beast/core/string.hpp>

namespace glassbox::app {

using http::ErrorCode;
using telemetry::log::Level;

http::Response store_error_response(const storage::StoreError& error,
                                    telemetry::log::Logger& logger, AppMetrics& metrics,
                                    std::string_view operation) {
  switch (error.kind) {
    case storage::StoreErrorKind::kNotFound:
      return http::error_response(ErrorCode::kNotFound, "no user with that id");
    case storage::StoreErrorKind::kDuplicateEmail:
      return http::error_response(ErrorCode::kConflict, "a user with that email already exists");
    case storage::StoreErrorKind::kUnavailable:
      metrics.database_unavailable_errors.inc();
      logger.write(Level::kWarn, "app.storage", "Database unavailable",
                   {{"operation", operation}, {"error", error.detail}});
      return http::error_response(ErrorCode::kUnavailable, "the database is unavailable");
    case storage::StoreErrorKind::kInternal:
      break;
  }
  metrics.database_internal_errors.inc();
  logger.write(Level::kError, "app.storage", "Database error",
               {{"operation", operation}, {"error", error.detail}});
  return http::error_response(ErrorCode::kInternal, "internal error");
}

http::Response overloaded_response(std::string_view what) {
  http::Response response = http::error_response(
      ErrorCode::kOverloaded, std::string(what) + " is saturated, retry shortly");
  response.headers.emplace_back("Retry-After", std::string(kRetryAfterSeconds));
  return response;
}

bool has_json_content_type(const http::Request& request) {
  std::string_view type = request.header("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  return boost::beast::iequals(type, "application/json");
}

}  // namespace glassbox::app
