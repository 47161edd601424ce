#include "telemetry/log/rfc3339.hpp"

#include <gtest/gtest.h>

namespace glassbox::telemetry::log {
namespace {

TEST(Rfc3339, FormatsMillisecondsInUtc) {
  EXPECT_EQ(format_rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_millis(1795460569123), "2026-11-23T19:02:49.123Z");
  EXPECT_EQ(format_rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
}

TEST(Rfc3339, NowHasTheFormatsShape) {
  const std::string now = rfc3339_now_millis();
  ASSERT_EQ(now.size(), 24U);
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now[19], '.');
  EXPECT_EQ(now.back(), 'Z');
}

TEST(TimestampCache, MatchesTheUncachedFormatAcrossSeconds) {
  TimestampCache cache;
  for (const std::int64_t millis :
       {std::int64_t{1795460569123}, std::int64_t{1795460569999}, std::int64_t{1795460570000},
        std::int64_t{1795460570001}, std::int64_t{1795460569123}, std::int64_t{-1}, std::int64_t{0},
        std::int64_t{951782400000} /* 2000-02-29 */}) {
    EXPECT_EQ(cache.format(millis), format_rfc3339_millis(millis)) << millis;
  }
}

}  // namespace
}  // namespace glassbox::telemetry::log
