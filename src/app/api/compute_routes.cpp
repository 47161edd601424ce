#include <charconv>
#include <chrono>
#include <string>

#include "app/api/protection.hpp"
#include "app/api/responses.hpp"
#include "app/api/routes.hpp"
#include "app/fibonacci.hpp"
#include "telemetry/trace/tracer.hpp"

namespace glassbox::app {
namespace {

using boost::asio::awaitable;
using http::ErrorCode;
using http::Request;
using http::Response;

struct FibonacciRun {
  std::int64_t result = 0;
  double duration_ms = 0;
};

awaitable<Response> compute(ApiContext& context, Request& request) {
  const std::string_view text = request.params.get("n");
  const int max_n = context.config.compute_max_n;
  int n = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (error != std::errc{} || end != text.data() + text.size() || n < 0 || n > max_n) {
    co_return http::error_response(ErrorCode::kValidationFailed,
                                   "n: must be an integer from 0 to " + std::to_string(max_n));
  }
  auto fibonacci = [n, tracer = context.tracer, parent = request.span_context] {
    telemetry::trace::Span span;
    if (tracer != nullptr) {
      span = tracer->start_span("fibonacci", telemetry::trace::SpanKind::kInternal, &parent,
                                {{"compute.n", static_cast<std::int64_t>(n)}});
    }
    const auto started = std::chrono::steady_clock::now();
    FibonacciRun outcome;
    outcome.result = naive_fibonacci(n);
    outcome.duration_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    return outcome;
  };
  auto run = co_await context.compute_pool.run(std::move(fibonacci));
  if (!run) {
    context.metrics.compute_pool_saturated.inc();
    co_return overloaded_response("the compute pool");
  }
  char duration[32];
  const auto written = std::to_chars(duration, duration + sizeof(duration), run->duration_ms,
                                     std::chars_format::fixed, 3);
  std::string body = "{\"n\":" + std::to_string(n) + ",\"result\":" + std::to_string(run->result) +
                     ",\"duration_ms\":" + std::string(duration, written.ptr) + "}";
  co_return Response::json(200, std::move(body));
}

}  // namespace

void add_compute_routes(http::Router& router, ApiContext& context) {
  router.add(http::Method::kGet, "/compute/{n}",
             protect(context, Access::kRead,
                     [&context](Request& request) { return compute(context, request); }));
}

}  // namespace glassbox::app
