#pragma once

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "allocation_counter.hpp"

// What both metrics libraries are measured on, so their numbers compare like for like.
namespace glassbox::bench {

// CONTRACT.md's default latency buckets (seconds) and a plausible set for sizes (bytes).
inline const std::vector<double> kLatencyBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                 0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                 1,      2.5,     5,      10};
inline const std::vector<double> kSizeBuckets{64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};

inline constexpr const char* kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

// One finished request's measurements, varied so that bucket search is not always the same
// branch: latencies across the low buckets, sizes across several decades.
struct RequestSample {
  double seconds;
  double request_bytes;
  double response_bytes;
};

inline const std::array<RequestSample, 64>& request_samples() {
  static const auto samples = [] {
    std::array<RequestSample, 64> result{};
    std::uint32_t state = 20261123;
    const auto next = [&state] {
      state = state * 1664525u + 1013904223u;
      return static_cast<double>(state >> 8) / static_cast<double>(1u << 24);  // [0, 1)
    };
    for (auto& sample : result) {
      sample.seconds = 0.00005 + next() * next() * 0.05;
      sample.request_bytes = 100 + next() * 2000;
      sample.response_bytes = 200 + next() * next() * 200000;
    }
    return result;
  }();
  return samples;
}

// The exposition workload: 10,016 time series (sample lines in the text format).
//   4,000 counter series   http_requests_total{method,route,status}  4 x 100 x 10
//   1,000 gauge series     pool_connections{pool,state}               500 x 2
//   5,016 histogram lines  http_request_duration_seconds{method,route} 264 series x 19
//         (16 bounds + +Inf, _sum, _count), each with observations (and, in ours, exemplars)
inline constexpr std::array<const char*, 4> kMethods{"GET", "POST", "PUT", "DELETE"};
inline constexpr std::array<const char*, 10> kStatuses{"200", "201", "204", "301", "400",
                                                       "401", "403", "404", "500", "503"};
inline constexpr int kCounterRoutes = 100;
inline constexpr int kGaugePools = 500;
inline constexpr int kHistogramRoutes = 66;

inline std::string route_name(int index) {
  return "/api/v1/resource" + std::to_string(index) + "/{id}";
}

// Reports allocations per iteration; call after the benchmark loop with the count before it.
inline void report_allocations(benchmark::State& state, std::uint64_t before) {
  state.counters["allocs_per_op"] = benchmark::Counter(
      static_cast<double>(thread_allocations() - before) / static_cast<double>(state.iterations()));
}

}  // namespace glassbox::bench
