#include "http/error.hpp"

#include "telemetry/log/json_escape.hpp"

namespace glassbox::http {

unsigned error_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return 400;
    case ErrorCode::kMalformedJson:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUriTooLong:
      return 414;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kValidationFailed:
      return 422;
    case ErrorCode::kTooManyRequests:
      return 429;
    case ErrorCode::kHeadersTooLarge:
      return 431;
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kOverloaded:
      return 503;
  }
  return 500;
}

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return "bad_request";
    case ErrorCode::kMalformedJson:
      return "malformed_json";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kUriTooLong:
      return "uri_too_long";
    case ErrorCode::kUnsupportedMediaType:
      return "unsupported_media_type";
    case ErrorCode::kValidationFailed:
      return "validation_failed";
    case ErrorCode::kTooManyRequests:
      return "too_many_requests";
    case ErrorCode::kHeadersTooLarge:
      return "headers_too_large";
    case ErrorCode::kInternal:
      return "internal_error";
    case ErrorCode::kUnavailable:
      return "service_unavailable";
    case ErrorCode::kOverloaded:
      return "overloaded";
  }
  return "internal_error";
}

Response error_response(ErrorCode code, std::string_view message) {
  std::string body;
  body.reserve(48 + message.size());
  body += "{\"error\":{\"code\":\"";
  body += error_code_name(code);
  body += "\",\"message\":";
  telemetry::log::append_json_string(body, message);
  body += "}}";
  return Response::json(error_status(code), std::move(body));
}

}  // namespace glassbox::http
