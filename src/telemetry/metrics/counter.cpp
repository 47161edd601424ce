#include "telemetry/metrics/counter.hpp"

#include <cmath>

namespace glassbox::telemetry::metrics {
Counter::Counter(Config config) : shards_(config.shard_count) {}

void Counter::inc(double amount) noexcept {
  if (!(amount > 0) || !std::isfinite(amount)) {
    return;
  }
  if (amount < detail::kLargestExactInteger && amount == std::trunc(amount)) {
    inc_integer(static_cast<std::uint64_t>(amount));
    return;
  }
  detail::add_to_double_bits(shards_.local().fraction_bits, amount);
}

Counter::Value Counter::exact_value() const noexcept {
  Value total;
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    total.integer += shards_[i].integer.load(std::memory_order_relaxed);
    total.fraction += detail::load_double_bits(shards_[i].fraction_bits);
  }
  return total;
}

double Counter::value() const noexcept {
  const Value total = exact_value();
  return static_cast<double>(total.integer) + total.fraction;
}

}  // namespace glassbox::telemetry::metrics
