// The scrape side of our metrics core: rendering 10,000 series (fixtures.hpp).
#include <benchmark/benchmark.h>

#include "fixtures.hpp"
#include "telemetry/metrics/exposition.hpp"

namespace glassbox::bench {
namespace {

namespace metrics = telemetry::metrics;

metrics::Registry& exposition_registry() {
  static metrics::Registry* registry = [] {
    auto* result = new metrics::Registry();
    auto& requests =
        result->counter_family("http_requests_total", "Requests.", {"method", "route", "status"});
    for (const char* method : kMethods) {
      for (int route = 0; route < kCounterRoutes; ++route) {
        for (const char* status : kStatuses) {
          requests.with({method, route_name(route), status}).inc(static_cast<double>(route + 1));
        }
      }
    }
    auto& pools = result->gauge_family("pool_connections", "Connections.", {"pool", "state"});
    for (int pool = 0; pool < kGaugePools; ++pool) {
      pools.with({"pool" + std::to_string(pool), "idle"}).set(pool % 7);
      pools.with({"pool" + std::to_string(pool), "in_use"}).set(pool % 5);
    }
    auto& latency = result->histogram_family("http_request_duration_seconds", "Latency.",
                                             {"method", "route"}, kLatencyBuckets);
    for (const char* method : kMethods) {
      for (int route = 0; route < kHistogramRoutes; ++route) {
        auto& histogram = latency.with({method, route_name(route)});
        for (const RequestSample& sample : request_samples()) {
          histogram.observe(sample.seconds, kTraceId);
        }
      }
    }
    return result;
  }();
  return *registry;
}

void BM_Exposition_10000Series(benchmark::State& state, metrics::Format format) {
  const metrics::Registry& registry = exposition_registry();
  std::string out;
  for (auto _ : state) {
    out.clear();  // a buffer kept between scrapes, as the HTTP handler would keep it
    metrics::serialize(registry, format, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK_CAPTURE(BM_Exposition_10000Series, text, metrics::Format::kPrometheusText)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Exposition_10000Series, openmetrics, metrics::Format::kOpenMetrics)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace glassbox::bench
