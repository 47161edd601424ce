// The HTTP server's own per-request recording (http::RequestMetrics::record): the metric
// operations of BM_RequestRecord plus the look-ups of the route's handles by route index,
// method and status, as a session does it after each response.
#include <benchmark/benchmark.h>

#include "fixtures.hpp"
#include "http/request_metrics.hpp"
#include "http/router.hpp"

namespace glassbox::bench {
namespace {

http::Handler no_op_handler() {
  return
      [](http::Request&) -> boost::asio::awaitable<http::Response> { co_return http::Response{}; };
}

struct ServerMetrics {
  telemetry::metrics::Registry registry;
  http::Router router;
  http::RequestMetrics metrics{registry, kLatencyBuckets};
  const http::Route* route = nullptr;

  ServerMetrics() {
    router.add(http::Method::kGet, "/health", no_op_handler());
    route = &router.add(http::Method::kGet, "/api/users/{id:int}", no_op_handler());
    metrics.prepare(router);
  }

  static ServerMetrics& shared() {
    static auto* instance = new ServerMetrics();
    return *instance;
  }
};

void BM_RequestMetrics_Record(benchmark::State& state) {
  ServerMetrics& server = ServerMetrics::shared();
  const auto trace_id = telemetry::metrics::parse_trace_id(kTraceId);
  const auto& samples = request_samples();
  std::size_t i = 0;
  for (auto _ : state) {
    const RequestSample& sample = samples[i++ & (samples.size() - 1)];
    server.metrics.in_flight().inc();
    server.metrics.in_flight().dec();
    server.metrics.record(server.route, http::Method::kGet, 200, sample.seconds,
                          static_cast<std::size_t>(sample.request_bytes),
                          static_cast<std::size_t>(sample.response_bytes), trace_id);
  }
}
BENCHMARK(BM_RequestMetrics_Record)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace glassbox::bench
