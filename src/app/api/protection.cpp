#include "app/api/protection.hpp"

#include <optional>
#include <string>
#include <utility>

#include "app/security/api_keys.hpp"
#include "app/security/rate_limiter.hpp"
#include "http/error.hpp"

namespace glassbox::app {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;

std::optional<Response> refusal(ApiContext& context, Access access, const Request& request) {
  if (context.rate_limiter != nullptr) {
    const RateLimiter::Decision decision =
        context.rate_limiter->admit(request.client_address, RateLimiter::Clock::now());
    if (!decision.allowed) {
      context.metrics.rate_limited_requests.inc();
      Response response =
          http::error_response(http::ErrorCode::kTooManyRequests, "rate limit exceeded");
      response.headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
      return response;
    }
  }
  if (access == Access::kWrite && context.api_keys != nullptr) {
    switch (context.api_keys->check(request.header("Authorization"), request.header("X-API-Key"))) {
      case ApiKeys::Verdict::kAccepted:
        break;
      case ApiKeys::Verdict::kMissing: {
        context.metrics.unauthorized_requests.inc();
        Response response = http::error_response(
            http::ErrorCode::kUnauthorized,
            "an API key is required: 'Authorization: Bearer <key>' or 'X-API-Key: <key>'");
        response.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="api")");
        return response;
      }
      case ApiKeys::Verdict::kWrong:
        context.metrics.forbidden_requests.inc();
        return http::error_response(http::ErrorCode::kForbidden, "the API key is not valid");
    }
  }
  return std::nullopt;
}

}  // namespace

http::Handler protect(ApiContext& context, Access access, http::Handler handler) {
  const bool keyed = access == Access::kWrite && context.api_keys != nullptr;
  if (context.rate_limiter == nullptr && !keyed) return handler;
  // The router keeps this function object for as long as it serves, so the coroutine may
  // refer to its captures.
  return [&context, access, inner = std::move(handler)](Request& request) -> awaitable<Response> {
    if (auto refused = refusal(context, access, request)) co_return std::move(*refused);
    co_return co_await inner(request);
  };
}

http::WebSocketHandler protect(ApiContext& context, http::WebSocketHandler handler) {
  if (context.rate_limiter == nullptr) return handler;
  handler.admit = [&context](const Request& request) {
    return refusal(context, Access::kRead, request);
  };
  return handler;
}

}  // namespace glassbox::app
