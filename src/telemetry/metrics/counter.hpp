#pragma once

#include <cstdint>

#include "telemetry/metrics/metric_type.hpp"
#include "telemetry/metrics/shards.hpp"

namespace glassbox::telemetry::metrics {

// A monotonically increasing count, e.g. requests served.
//
// Thread-safe and lock-free: inc() is one relaxed atomic add on the calling CPU's shard
// (no allocation, no lock), so threads incrementing the same counter do not contend.
// Whole-number increments are kept in 64-bit integers and sum exactly however many threads
// add at once; fractional increments (e.g. CPU seconds) go to a separate double per shard.
//
// Odd input: a negative, NaN or infinite increment is ignored (a counter never goes down,
// and one non-finite value would poison it for the life of the process).
class Counter {
 public:
  static constexpr MetricType kType = MetricType::kCounter;

  struct Config {
    std::size_t shard_count = 0;  // 0: detail::default_shard_count()
  };

  // The exact value split into its parts: `integer` counts whole-number increments,
  // `fraction` is the sum of the others. value() == integer + fraction (rounded).
  struct Value {
    std::uint64_t integer = 0;
    double fraction = 0;
  };

  Counter() : Counter(Config{}) {}
  explicit Counter(Config config);

  void inc() noexcept { inc_integer(1); }
  void inc(double amount) noexcept;
  void inc_integer(std::uint64_t amount) noexcept {
    shards_.local().integer.fetch_add(amount, std::memory_order_relaxed);
  }

  double value() const noexcept;
  Value exact_value() const noexcept;

 private:
  struct alignas(detail::kCacheLineSize) Shard {
    std::atomic<std::uint64_t> integer{0};
    std::atomic<std::uint64_t> fraction_bits{0};  // a double, as its bits
  };

  detail::PerCpu<Shard> shards_;
};

}  // namespace glassbox::telemetry::metrics
