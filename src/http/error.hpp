#pragma once

#include <string_view>

#include "http/response.hpp"

namespace glassbox::http {

// The closed set of errors a client can see. Each maps to one status and one snake_case
// code (the "code" of the JSON error body); the message is per occurrence.
enum class ErrorCode {
  kBadRequest,            // 400 bad_request: malformed HTTP or query parameters
  kMalformedJson,         // 400 malformed_json
  kUnauthorized,          // 401 unauthorized
  kForbidden,             // 403 forbidden
  kNotFound,              // 404 not_found
  kMethodNotAllowed,      // 405 method_not_allowed (the caller adds Allow)
  kConflict,              // 409 conflict
  kPayloadTooLarge,       // 413 payload_too_large
  kUriTooLong,            // 414 uri_too_long
  kUnsupportedMediaType,  // 415 unsupported_media_type
  kValidationFailed,      // 422 validation_failed
  kTooManyRequests,       // 429 too_many_requests
  kHeadersTooLarge,       // 431 headers_too_large
  kInternal,              // 500 internal_error (never with internal detail)
  kUnavailable,           // 503 service_unavailable
  kOverloaded,            // 503 overloaded (the caller adds Retry-After)
};

unsigned error_status(ErrorCode code);
std::string_view error_code_name(ErrorCode code);

// {"error":{"code":"...","message":"..."}} with the code's status.
Response error_response(ErrorCode code, std::string_view message);

}  // namespace glassbox::http
