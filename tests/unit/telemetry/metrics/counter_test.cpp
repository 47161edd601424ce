#include "telemetry/metrics/counter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace glassbox::telemetry::metrics {
namespace {

TEST(Counter, StartsAtZeroAndCountsUp) {
  Counter counter;
  EXPECT_EQ(counter.value(), 0);
  counter.inc();
  counter.inc(2);
  counter.inc_integer(10);
  EXPECT_EQ(counter.value(), 13);
  EXPECT_EQ(counter.exact_value().integer, 13u);
  EXPECT_EQ(counter.exact_value().fraction, 0);
}

TEST(Counter, KeepsFractionalIncrementsApartFromWholeOnes) {
  Counter counter;
  counter.inc(0.25);
  counter.inc(3);
  counter.inc(0.5);
  EXPECT_EQ(counter.exact_value().integer, 3u);
  EXPECT_EQ(counter.exact_value().fraction, 0.75);
  EXPECT_EQ(counter.value(), 3.75);
}

TEST(Counter, IgnoresNegativeNanAndInfiniteIncrements) {
  Counter counter;
  counter.inc(5);
  counter.inc(-1);
  counter.inc(std::nan(""));
  counter.inc(std::numeric_limits<double>::infinity());
  counter.inc(-std::numeric_limits<double>::infinity());
  counter.inc(0);
  EXPECT_EQ(counter.value(), 5);
}

TEST(Counter, WholeNumbersBeyondDoublePrecisionStayExact) {
  Counter counter;
  counter.inc_integer((std::uint64_t{1} << 53) + 1);
  counter.inc();
  EXPECT_EQ(counter.exact_value().integer, (std::uint64_t{1} << 53) + 2);
}

// More shards than this machine may have CPUs, so that several are really written.
TEST(Counter, ConcurrentIncrementsFromSeveralThreadsSumExactly) {
  constexpr int kThreads = 8;
  constexpr int kIncrementsPerThread = 200'000;
  Counter counter(Counter::Config{.shard_count = 4});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < kIncrementsPerThread; ++i) {
        counter.inc();
        counter.inc(0.5);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const auto total = counter.exact_value();
  EXPECT_EQ(total.integer, std::uint64_t{kThreads} * kIncrementsPerThread);
  EXPECT_EQ(total.fraction, kThreads * kIncrementsPerThread * 0.5);
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
