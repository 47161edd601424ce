#include "telemetry/metrics/shards.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "telemetry/metrics/metric_type.hpp"

namespace glassbox::telemetry::metrics::detail {
namespace {

TEST(Shards, CountsArePowersOfTwoUpToTheCap) {
  EXPECT_EQ(normalized_shard_count(1), 1u);
  EXPECT_EQ(normalized_shard_count(3), 4u);
  EXPECT_EQ(normalized_shard_count(1000), kMaxShards);
  EXPECT_EQ(normalized_shard_count(0), default_shard_count());
  const std::size_t count = default_shard_count();
  EXPECT_EQ(count & (count - 1), 0u);
  EXPECT_GE(count, 1u);
  EXPECT_LE(count, kMaxShards);
}

TEST(Shards, CurrentShardStaysWithinTheMask) {
  for (const std::size_t mask : {0u, 1u, 3u, 15u}) {
    EXPECT_LE(current_shard(mask), mask);
  }
  EXPECT_LT(current_cpu(), 4096u);
}

TEST(Shards, DoubleBitsAddUp) {
  std::atomic<std::uint64_t> bits{0};
  add_to_double_bits(bits, 0.5);
  add_to_double_bits(bits, 2.25);
  EXPECT_EQ(load_double_bits(bits), 2.75);
}

TEST(WallClocks, CoarseClockIsWithinAFewTicksOfTheFineOne) {
  const std::int64_t fine = system_clock_nanos();
  const std::int64_t coarse = coarse_system_clock_nanos();
  EXPECT_LT(std::abs(coarse - fine), 100'000'000);  // 100 ms, far above any tick
  EXPECT_EQ(type_name(MetricType::kHistogram), "histogram");
}

}  // namespace
}  // namespace glassbox::telemetry::metrics::detail
