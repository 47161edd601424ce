#include "telemetry/metrics/histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace glassbox::telemetry::metrics {
namespace {

Histogram make_histogram(std::vector<double> bounds, std::size_t shards = 0) {
  return Histogram(Histogram::Config{std::make_shared<const std::vector<double>>(std::move(bounds)),
                                     &system_clock_nanos, shards});
}

TEST(Histogram, BucketsAreCumulativeAndInfEqualsCount) {
  Histogram histogram = make_histogram({0.1, 1, 10});
  for (const double value : {0.05, 0.1, 0.5, 2.0, 3.0, 50.0}) {
    histogram.observe(value);
  }
  const auto snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.cumulative_counts, (std::vector<std::uint64_t>{2, 3, 5, 6}));
  EXPECT_EQ(snapshot.count(), 6u);
  EXPECT_EQ(snapshot.cumulative_counts.back(), snapshot.count());
}

TEST(Histogram, ValueEqualToABoundLandsInThatBucket) {
  Histogram histogram = make_histogram({1, 2});
  histogram.observe(1);
  histogram.observe(2);
  EXPECT_EQ(histogram.snapshot().cumulative_counts, (std::vector<std::uint64_t>{1, 2, 2}));
}

TEST(Histogram, SumIsExactForExactlyRepresentableValues) {
  Histogram histogram = make_histogram({1});
  for (int i = 0; i < 1000; ++i) {
    histogram.observe(0.125);
    histogram.observe(1024);
  }
  EXPECT_EQ(histogram.snapshot().sum, 1000 * (0.125 + 1024));
}

TEST(Histogram, IgnoresNonFiniteAndRecordsNegativeAsZero) {
  Histogram histogram = make_histogram({1});
  histogram.observe(std::nan(""));
  histogram.observe(std::numeric_limits<double>::infinity());
  histogram.observe(-std::numeric_limits<double>::infinity());
  histogram.observe(-5);
  const auto snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.cumulative_counts, (std::vector<std::uint64_t>{1, 1}));
  EXPECT_EQ(snapshot.sum, 0);
}

TEST(Histogram, ConcurrentObservationsCountExactly) {
  constexpr int kThreads = 8;
  constexpr int kObservationsPerThread = 100'000;
  Histogram histogram = make_histogram({0.5, 1, 2}, 4);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&histogram] {
      for (int i = 0; i < kObservationsPerThread; ++i) {
        histogram.observe(i % 2 == 0 ? 0.25 : 1.5);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const auto snapshot = histogram.snapshot();
  constexpr std::uint64_t kHalf = std::uint64_t{kThreads} * kObservationsPerThread / 2;
  EXPECT_EQ(snapshot.cumulative_counts,
            (std::vector<std::uint64_t>{kHalf, kHalf, 2 * kHalf, 2 * kHalf}));
  EXPECT_EQ(snapshot.sum, kHalf * 0.25 + kHalf * 1.5);
}

TEST(Histogram, KeepsTheLatestExemplarOfEachBucket) {
  Histogram histogram = make_histogram({1, 10});
  histogram.observe(0.5, "0af7651916cd43dd8448eb211c80319c");
  histogram.observe(0.7, "4bf92f3577b34da6a3ce929d0e0e4736");
  histogram.observe(5);
  const auto snapshot = histogram.snapshot();
  ASSERT_TRUE(snapshot.exemplars[0].has_value());
  EXPECT_EQ(snapshot.exemplars[0]->value, 0.7);
  EXPECT_EQ(snapshot.exemplars[0]->trace_id, *parse_trace_id("4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_FALSE(snapshot.exemplars[1].has_value());
  EXPECT_FALSE(snapshot.exemplars[2].has_value());
}

TEST(Histogram, InvalidTraceIdStillCountsTheObservation) {
  Histogram histogram = make_histogram({1});
  histogram.observe(0.5, "not-a-trace-id");
  const auto snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.count(), 1u);
  EXPECT_FALSE(snapshot.exemplars[0].has_value());
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
