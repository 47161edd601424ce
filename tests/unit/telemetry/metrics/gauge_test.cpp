#include "telemetry/metrics/gauge.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace glassbox::telemetry::metrics {
namespace {

TEST(Gauge, SetIncAndDecMoveTheValue) {
  Gauge gauge;
  EXPECT_EQ(gauge.value(), 0);
  gauge.set(10);
  gauge.inc();
  gauge.inc(2.5);
  gauge.dec();
  gauge.dec(0.5);
  EXPECT_EQ(gauge.value(), 12);
  gauge.set(-3);
  EXPECT_EQ(gauge.value(), -3);
}

TEST(Gauge, SetReplacesEverythingAddedBeforeAndReadsBackExactly) {
  Gauge gauge(Gauge::Config{.shard_count = 4});
  gauge.inc(7);
  gauge.inc(0.25);
  gauge.set(1795463400.77);
  EXPECT_EQ(gauge.value(), 1795463400.77);
  gauge.dec();
  EXPECT_EQ(gauge.value(), 1795463399.77);
}

TEST(Gauge, ConcurrentIncAndDecSumExactly) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 100'000;
  Gauge in_flight(Gauge::Config{.shard_count = 4});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&in_flight] {
      for (int i = 0; i < kRounds; ++i) {
        in_flight.inc();
        in_flight.inc();
        in_flight.dec();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(in_flight.value(), kThreads * kRounds);
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
