#include <string>

#include "app/api/in_span.hpp"
#include "app/api/routes.hpp"
#include "telemetry/log/json_escape.hpp"

namespace glassbox::app {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;

// The first line of a database error, short enough for a readiness body.
std::string short_reason(std::string_view detail) {
  detail = detail.substr(0, detail.find('\n'));
  constexpr std::size_t kMaxReason = 200;
  return std::string(detail.substr(0, kMaxReason));
}

Response not_ready(std::string_view reason) {
  std::string body = R"({"status":"not_ready","checks":{"database":)";
  telemetry::log::append_json_string(body, reason);
  body += "}}";
  return Response::json(503, std::move(body));
}

awaitable<Response> readiness(ApiContext& context, const Request& request) {
  auto ping = in_span(request.span_context, [&store = context.store] { return store.ping(); });
  auto result = co_await context.database_pool.run(std::move(ping));
  if (!result) {
    context.metrics.database_pool_saturated.inc();
    co_return not_ready("busy: the database worker pool is saturated");
  }
  if (!result->ok()) co_return not_ready("unavailable: " + short_reason(result->error().detail));
  co_return Response::json(200, R"({"status":"ready","checks":{"database":"ok"}})");
}

}  // namespace

void add_health_routes(http::Router& router, ApiContext& context) {
  // Liveness: true while the process can answer at all, whatever its dependencies say.
  router.add(http::Method::kGet, "/health", [](Request&) -> awaitable<Response> {
    co_return Response::json(200, R"({"status":"ok"})");
  });
  router.add(http::Method::kGet, "/ready",
             [&context](Request& request) { return readiness(context, request); });
}

}  // namespace glassbox::app
