#include "http/detail/dispatch.hpp"

#include <boost/beast/websocket/rfc6455.hpp>
#include <exception>

#include "http/detail/request_target.hpp"
#include "http/error.hpp"
#include "telemetry/log/logger.hpp"

namespace glassbox::http::detail {

using telemetry::log::Level;

std::string_view BeastHeaderLookup::get(std::string_view name) const {
  const auto found = fields_.find(name);
  return found == fields_.end() ? std::string_view{} : std::string_view(found->value());
}

Request make_request(const RequestMessage& message, const HeaderLookup& headers) {
  Request request;
  request.method_text = message.method_string();
  request.method = parse_method(request.method_text);
  request.target = message.target();
  request.headers = &headers;
  request.body = message.body();
  return request;
}

Routing route_request(const Router& router, const RequestMessage& message, Request& request) {
  Routing routing;
  const auto split = split_request_target(request.target);
  if (!split) {
    routing.answer = error_response(ErrorCode::kBadRequest, "malformed request target");
    routing.bad_target = true;
    return routing;
  }
  request.path = split->path;
  request.query = split->query;

  const RouteMatch match = router.match(request.method, request.path);
  if (match.outcome == MatchOutcome::kNotFound) {
    routing.answer = error_response(ErrorCode::kNotFound, "no such resource");
    return routing;
  }
  if (match.outcome == MatchOutcome::kMethodNotAllowed) {
    routing.answer = error_response(ErrorCode::kMethodNotAllowed, "method not allowed here");
    routing.answer->headers.emplace_back("Allow", std::string(match.allow));
    return routing;
  }
  routing.route = match.route;
  request.params = match.params;
  if (routing.route->is_websocket() && !boost::beast::websocket::is_upgrade(message)) {
    routing.answer = error_response(ErrorCode::kBadRequest, "this route needs a WebSocket upgrade");
  }
  return routing;
}

boost::asio::awaitable<Response> run_handler(const Route& route, Request& request,
                                             telemetry::log::Logger& logger) {
  try {
    co_return co_await route.handler(request);
  } catch (const std::exception& failure) {
    logger.write(Level::kError, "http.session", "Handler failed",
                 {{"route", route.label}, {"error", failure.what()}});
  } catch (...) {
    logger.write(Level::kError, "http.session", "Handler failed", {{"route", route.label}});
  }
  co_return error_response(ErrorCode::kInternal, "internal error");
}

}  // namespace glassbox::http::detail
