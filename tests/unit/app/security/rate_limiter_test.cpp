#include "app/security/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace glassbox::app {
namespace {

using namespace std::chrono_literals;
const RateLimiter::Clock::time_point kStart{};

TEST(RateLimiter, AllowsTheBurstThenRefusesWithRetryAfter) {
  RateLimiter limiter(0.5, 3, 100);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.admit("192.0.2.1", kStart).allowed) << i;
  }
  const auto refused = limiter.admit("192.0.2.1", kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 2);  // one token at 0.5/s
}

TEST(RateLimiter, RefillsAtTheRateUpToTheBurst) {
  RateLimiter limiter(2, 2, 100);
  EXPECT_TRUE(limiter.admit("192.0.2.1", kStart).allowed);
  EXPECT_TRUE(limiter.admit("192.0.2.1", kStart).allowed);
  EXPECT_FALSE(limiter.admit("192.0.2.1", kStart).allowed);
  EXPECT_TRUE(limiter.admit("192.0.2.1", kStart + 500ms).allowed);
  EXPECT_FALSE(limiter.admit("192.0.2.1", kStart + 500ms).allowed);
  // A long pause refills to the burst, not beyond.
  EXPECT_TRUE(limiter.admit("192.0.2.1", kStart + 1h).allowed);
  EXPECT_TRUE(limiter.admit("192.0.2.1", kStart + 1h).allowed);
  EXPECT_FALSE(limiter.admit("192.0.2.1", kStart + 1h).allowed);
}

TEST(RateLimiter, RetryAfterIsAtLeastOneSecond) {
  RateLimiter limiter(100, 1, 10);
  EXPECT_TRUE(limiter.admit("::1", kStart).allowed);
  EXPECT_EQ(limiter.admit("::1", kStart).retry_after_seconds, 1);
}

TEST(RateLimiter, ClientsHaveTheirOwnBuckets) {
  RateLimiter limiter(1, 1, 100);
  EXPECT_TRUE(limiter.admit("192.0.2.1", kStart).allowed);
  EXPECT_FALSE(limiter.admit("192.0.2.1", kStart).allowed);
  EXPECT_TRUE(limiter.admit("192.0.2.2", kStart).allowed);
  EXPECT_TRUE(limiter.admit("2001:db8::1", kStart).allowed);
  // The same IPv4 address written as IPv4-mapped IPv6 is the same client.
  EXPECT_FALSE(limiter.admit("::ffff:192.0.2.1", kStart).allowed);
}

TEST(RateLimiter, TableNeverExceedsItsCapacityAndForgetsTheLeastRecent) {
  RateLimiter limiter(1, 1, 32);
  for (int i = 0; i < 10000; ++i) {
    limiter.admit("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), kStart);
    ASSERT_LE(limiter.tracked_clients(), 32u);
  }
  // A forgotten client starts again with a full bucket (more permissive, never stricter).
  EXPECT_TRUE(limiter.admit("10.0.0.0", kStart).allowed);
}

TEST(RateLimiter, TextThatIsNotAnAddressStillGetsABucket) {
  RateLimiter limiter(1, 1, 10);
  EXPECT_TRUE(limiter.admit("not-an-address", kStart).allowed);
  EXPECT_FALSE(limiter.admit("not-an-address", kStart).allowed);
  EXPECT_TRUE(limiter.admit("", kStart).allowed);
}

}  // namespace
}  // namespace glassbox::app
