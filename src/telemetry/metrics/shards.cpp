#include "telemetry/metrics/shards.hpp"

#include <algorithm>
#include <thread>

namespace glassbox::telemetry::metrics::detail {

std::size_t normalized_shard_count(std::size_t requested) {
  if (requested == 0) {
    return default_shard_count();
  }
  return std::bit_ceil(std::min(requested, kMaxShards));
}

std::size_t default_shard_count() {
  static const std::size_t count = [] {
    const std::size_t cpus = std::max(1u, std::thread::hardware_concurrency());
    return std::bit_ceil(std::min(cpus, kMaxShards));
  }();
  return count;
}

}  // namespace glassbox::telemetry::metrics::detail
