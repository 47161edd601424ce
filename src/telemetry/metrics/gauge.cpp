#include "telemetry/metrics/gauge.hpp"

#include <bit>
#include <cmath>
#include <thread>

namespace glassbox::telemetry::metrics {
Gauge::Gauge(Config config) : shards_(config.shard_count) {}

void Gauge::inc(double amount) noexcept {
  if (std::abs(amount) < detail::kLargestExactInteger && amount == std::trunc(amount)) {
    add_whole(static_cast<std::int64_t>(amount));
    return;
  }
  detail::add_to_double_bits(base_bits_, amount);
}

// A sequence lock against value(): readers retry while it runs, so none sees the shards
// cleared but the new value not yet stored. An inc() that lands on a shard before that
// shard is cleared counts as earlier than the set(); one that lands after, as later.
void Gauge::set(double value) {
  const std::lock_guard lock(set_mutex_);
  const std::uint64_t sequence = set_sequence_.load(std::memory_order_relaxed);
  set_sequence_.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    shards_[i].delta.exchange(0, std::memory_order_relaxed);
  }
  base_bits_.store(std::bit_cast<std::uint64_t>(value), std::memory_order_relaxed);
  set_sequence_.store(sequence + 2, std::memory_order_release);
}

double Gauge::value() const noexcept {
  for (;;) {
    const std::uint64_t before = set_sequence_.load(std::memory_order_acquire);
    if ((before & 1u) != 0) {
      std::this_thread::yield();
      continue;
    }
    const double base = detail::load_double_bits(base_bits_);
    std::int64_t deltas = 0;
    for (std::size_t i = 0; i < shards_.size(); ++i) {
      deltas += shards_[i].delta.load(std::memory_order_relaxed);
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    if (set_sequence_.load(std::memory_order_relaxed) == before) {
      return base + static_cast<double>(deltas);
    }
  }
}

}  // namespace glassbox::telemetry::metrics
