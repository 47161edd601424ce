// The same operations on prometheus-cpp 1.0 (Debian prometheus-cpp-dev), for the decision
// in docs/decisions/003-metrics-core.md. prometheus-cpp has no exemplars and no OpenMetrics,
// so those rows have no counterpart here.
#include <benchmark/benchmark.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "fixtures.hpp"

namespace glassbox::bench {
namespace {

struct PrometheusCppRequestMetrics {
  prometheus::Registry registry;
  prometheus::Counter& requests =
      prometheus::BuildCounter()
          .Name("http_requests_total")
          .Help("Requests.")
          .Register(registry)
          .Add({{"method", "GET"}, {"route", "/api/users/{id}"}, {"status", "200"}});
  prometheus::Histogram& latency =
      prometheus::BuildHistogram()
          .Name("http_request_duration_seconds")
          .Help("Latency.")
          .Register(registry)
          .Add({{"method", "GET"}, {"route", "/api/users/{id}"}}, kLatencyBuckets);
  prometheus::Histogram& request_size =
      prometheus::BuildHistogram()
          .Name("http_request_size_bytes")
          .Help("Request size.")
          .Register(registry)
          .Add({{"method", "GET"}, {"route", "/api/users/{id}"}}, kSizeBuckets);
  prometheus::Histogram& response_size =
      prometheus::BuildHistogram()
          .Name("http_response_size_bytes")
          .Help("Response size.")
          .Register(registry)
          .Add({{"method", "GET"}, {"route", "/api/users/{id}"}}, kSizeBuckets);
  prometheus::Gauge& in_flight = prometheus::BuildGauge()
                                     .Name("http_requests_in_flight")
                                     .Help("In flight.")
                                     .Register(registry)
                                     .Add({});

  static PrometheusCppRequestMetrics& shared() {
    static auto* instance = new PrometheusCppRequestMetrics();
    return *instance;
  }
};

void BM_PrometheusCpp_Counter_Increment(benchmark::State& state) {
  prometheus::Counter& counter = PrometheusCppRequestMetrics::shared().requests;
  const auto before = thread_allocations();
  for (auto _ : state) {
    counter.Increment();
  }
  report_allocations(state, before);
}
BENCHMARK(BM_PrometheusCpp_Counter_Increment);
BENCHMARK(BM_PrometheusCpp_Counter_Increment)->Threads(2);

void BM_PrometheusCpp_Gauge_IncDec(benchmark::State& state) {
  prometheus::Gauge& gauge = PrometheusCppRequestMetrics::shared().in_flight;
  for (auto _ : state) {
    gauge.Increment();
    gauge.Decrement();
  }
}
BENCHMARK(BM_PrometheusCpp_Gauge_IncDec);
BENCHMARK(BM_PrometheusCpp_Gauge_IncDec)->Threads(2);

void BM_PrometheusCpp_Histogram_Observe(benchmark::State& state) {
  prometheus::Histogram& histogram = PrometheusCppRequestMetrics::shared().latency;
  const auto& samples = request_samples();
  std::size_t i = 0;
  const auto before = thread_allocations();
  for (auto _ : state) {
    histogram.Observe(samples[i++ % samples.size()].seconds);
  }
  report_allocations(state, before);
}
BENCHMARK(BM_PrometheusCpp_Histogram_Observe);

void BM_PrometheusCpp_Histogram_Observe_TwoThreads(benchmark::State& state) {
  BM_PrometheusCpp_Histogram_Observe(state);
}
BENCHMARK(BM_PrometheusCpp_Histogram_Observe_TwoThreads)->Threads(2);

void BM_PrometheusCpp_RequestRecord(benchmark::State& state) {
  PrometheusCppRequestMetrics& m = PrometheusCppRequestMetrics::shared();
  const auto& samples = request_samples();
  std::size_t i = 0;
  const auto before = thread_allocations();
  for (auto _ : state) {
    const RequestSample& sample = samples[i++ % samples.size()];
    m.in_flight.Increment();
    m.requests.Increment();
    m.latency.Observe(sample.seconds);
    m.request_size.Observe(sample.request_bytes);
    m.response_size.Observe(sample.response_bytes);
    m.in_flight.Decrement();
  }
  report_allocations(state, before);
}
BENCHMARK(BM_PrometheusCpp_RequestRecord);
BENCHMARK(BM_PrometheusCpp_RequestRecord)->Threads(2);

prometheus::Registry& prometheus_cpp_exposition_registry() {
  static prometheus::Registry* registry = [] {
    auto* result = new prometheus::Registry();
    auto& requests =
        prometheus::BuildCounter().Name("http_requests_total").Help("Requests.").Register(*result);
    for (const char* method : kMethods) {
      for (int route = 0; route < kCounterRoutes; ++route) {
        for (const char* status : kStatuses) {
          requests.Add({{"method", method}, {"route", route_name(route)}, {"status", status}})
              .Increment(route + 1);
        }
      }
    }
    auto& pools =
        prometheus::BuildGauge().Name("pool_connections").Help("Connections.").Register(*result);
    for (int pool = 0; pool < kGaugePools; ++pool) {
      pools.Add({{"pool", "pool" + std::to_string(pool)}, {"state", "idle"}}).Set(pool % 7);
      pools.Add({{"pool", "pool" + std::to_string(pool)}, {"state", "in_use"}}).Set(pool % 5);
    }
    auto& latency = prometheus::BuildHistogram()
                        .Name("http_request_duration_seconds")
                        .Help("Latency.")
                        .Register(*result);
    for (const char* method : kMethods) {
      for (int route = 0; route < kHistogramRoutes; ++route) {
        auto& histogram =
            latency.Add({{"method", method}, {"route", route_name(route)}}, kLatencyBuckets);
        for (const RequestSample& sample : request_samples()) {
          histogram.Observe(sample.seconds);
        }
      }
    }
    return result;
  }();
  return *registry;
}

// Collect() plus the text serializer: what prometheus-cpp's own exposer does per scrape.
void BM_PrometheusCpp_Exposition_10000Series(benchmark::State& state) {
  const prometheus::Registry& registry = prometheus_cpp_exposition_registry();
  const prometheus::TextSerializer serializer;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string out = serializer.Serialize(registry.Collect());
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_PrometheusCpp_Exposition_10000Series)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace glassbox::bench
