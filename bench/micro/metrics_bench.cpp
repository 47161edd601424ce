// The recording side of our metrics core: what one request costs.
#include <benchmark/benchmark.h>

#include "fixtures.hpp"
#include "telemetry/metrics/registry.hpp"

namespace glassbox::bench {
namespace {

namespace metrics = telemetry::metrics;

// The handles one route resolves when it is registered (ARCHITECTURE.md, "one pass").
struct RequestMetrics {
  metrics::Registry registry;
  metrics::Counter& requests =
      registry.counter_family("http_requests_total", "Requests.", {"method", "route", "status"})
          .with({"GET", "/api/users/{id}", "200"});
  metrics::Histogram& latency = registry
                                    .histogram_family("http_request_duration_seconds", "Latency.",
                                                      {"method", "route"}, kLatencyBuckets)
                                    .with({"GET", "/api/users/{id}"});
  metrics::Histogram& request_size =
      registry
          .histogram_family("http_request_size_bytes", "Request size.", {"method", "route"},
                            kSizeBuckets)
          .with({"GET", "/api/users/{id}"});
  metrics::Histogram& response_size =
      registry
          .histogram_family("http_response_size_bytes", "Response size.", {"method", "route"},
                            kSizeBuckets)
          .with({"GET", "/api/users/{id}"});
  metrics::Gauge& in_flight = registry.gauge("http_requests_in_flight", "In flight.");

  // Shared by every thread of a benchmark: threaded runs hammer the same series.
  static RequestMetrics& shared() {
    static auto* instance = new RequestMetrics();
    return *instance;
  }
};

void BM_Counter_Increment(benchmark::State& state) {
  metrics::Counter& counter = RequestMetrics::shared().requests;
  const auto before = thread_allocations();
  for (auto _ : state) {
    counter.inc();
  }
  report_allocations(state, before);
}
BENCHMARK(BM_Counter_Increment);
BENCHMARK(BM_Counter_Increment)->Threads(2);

// The same counter without per-CPU shards: what sharding saves when threads contend.
void BM_Counter_Increment_OneShard(benchmark::State& state) {
  static auto* counter = new metrics::Counter(metrics::Counter::Config{.shard_count = 1});
  for (auto _ : state) {
    counter->inc();
  }
}
BENCHMARK(BM_Counter_Increment_OneShard)->Threads(2);

void BM_Gauge_IncDec(benchmark::State& state) {
  metrics::Gauge& gauge = RequestMetrics::shared().in_flight;
  for (auto _ : state) {
    gauge.inc();
    gauge.dec();
  }
}
BENCHMARK(BM_Gauge_IncDec);
BENCHMARK(BM_Gauge_IncDec)->Threads(2);

void BM_Histogram_Observe(benchmark::State& state) {
  metrics::Histogram& histogram = RequestMetrics::shared().latency;
  const auto& samples = request_samples();
  std::size_t i = 0;
  const auto before = thread_allocations();
  for (auto _ : state) {
    histogram.observe(samples[i++ % samples.size()].seconds);
  }
  report_allocations(state, before);
}
BENCHMARK(BM_Histogram_Observe);

void BM_Histogram_Observe_TwoThreads(benchmark::State& state) {
  BM_Histogram_Observe(state);
}
BENCHMARK(BM_Histogram_Observe_TwoThreads)->Threads(2);

void BM_Histogram_ObserveWithExemplar(benchmark::State& state) {
  metrics::Histogram& histogram = RequestMetrics::shared().latency;
  const auto& samples = request_samples();
  std::size_t i = 0;
  const auto before = thread_allocations();
  for (auto _ : state) {
    histogram.observe(samples[i++ % samples.size()].seconds, kTraceId);
  }
  report_allocations(state, before);
}
BENCHMARK(BM_Histogram_ObserveWithExemplar);
BENCHMARK(BM_Histogram_ObserveWithExemplar)->Threads(2);

// One finished request: in-flight +1 at the start, then counter, latency (with the exemplar
// a sampled request adds, if asked), request size, response size, in-flight -1, all through
// references resolved up front.
template <bool kWithExemplar>
void record_requests(benchmark::State& state) {
  RequestMetrics& m = RequestMetrics::shared();
  const auto& samples = request_samples();
  std::size_t i = 0;
  const auto before = thread_allocations();
  for (auto _ : state) {
    const RequestSample& sample = samples[i++ % samples.size()];
    m.in_flight.inc();
    m.requests.inc();
    if constexpr (kWithExemplar) {
      m.latency.observe(sample.seconds, kTraceId);
    } else {
      m.latency.observe(sample.seconds);
    }
    m.request_size.observe(sample.request_bytes);
    m.response_size.observe(sample.response_bytes);
    m.in_flight.dec();
  }
  report_allocations(state, before);
}

void BM_RequestRecord(benchmark::State& state) {
  record_requests<false>(state);
}
BENCHMARK(BM_RequestRecord);
BENCHMARK(BM_RequestRecord)->Threads(2);

void BM_RequestRecord_WithExemplar(benchmark::State& state) {
  record_requests<true>(state);
}
BENCHMARK(BM_RequestRecord_WithExemplar);
BENCHMARK(BM_RequestRecord_WithExemplar)->Threads(2);

}  // namespace
}  // namespace glassbox::bench
