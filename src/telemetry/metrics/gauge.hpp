#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "telemetry/metrics/metric_type.hpp"
#include "telemetry/metrics/shards.hpp"

namespace glassbox::telemetry::metrics {

// A value that goes up and down, e.g. requests in flight or a pool's idle connections.
//
// Thread-safe. inc()/dec() by whole numbers (the in-flight case) are one relaxed atomic add
// on the calling CPU's shard: no lock, no allocation, no contention between threads, and the
// sum is exact. Fractional amounts go to a shared double with a compare-and-swap loop.
// set() replaces everything added before it; it takes a lock that only other set() calls
// share, and value() (the exposition) never sees a half-done set(): a set value reads back
// exactly (timestamps stay timestamps).
//
// Odd input: any double is accepted, NaN and infinities included, and shown as they are.
class Gauge {
 public:
  static constexpr MetricType kType = MetricType::kGauge;

  struct Config {
    std::size_t shard_count = 0;  // 0: detail::default_shard_count()
  };

  Gauge() : Gauge(Config{}) {}
  explicit Gauge(Config config);

  void inc() noexcept { add_whole(1); }
  void dec() noexcept { add_whole(-1); }
  void inc(double amount) noexcept;
  void dec(double amount) noexcept { inc(-amount); }
  void set(double value);
  double value() const noexcept;

 private:
  void add_whole(std::int64_t amount) noexcept {
    shards_.local().delta.fetch_add(amount, std::memory_order_relaxed);
  }

  struct alignas(detail::kCacheLineSize) Shard {
    std::atomic<std::int64_t> delta{0};  // whole-number inc/dec since the last set()
  };

  detail::PerCpu<Shard> shards_;
  alignas(detail::kCacheLineSize) std::atomic<std::uint64_t> base_bits_{0};  // a double
  std::atomic<std::uint64_t> set_sequence_{0};  // odd while a set() is under way
  std::mutex set_mutex_;
};

}  // namespace glassbox::telemetry::metrics
