#include "telemetry/metrics/number_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

namespace glassbox::telemetry::metrics {
namespace {

std::string as_double(double value) {
  std::string out;
  append_double(out, value);
  return out;
}

std::string as_bound(double value) {
  std::string out;
  append_bucket_bound(out, value);
  return out;
}

std::string as_seconds(std::int64_t nanos) {
  std::string out;
  append_epoch_seconds(out, nanos);
  return out;
}

TEST(NumberFormat, SpellsNonFiniteValuesAsPrometheusDoes) {
  EXPECT_EQ(as_double(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(as_double(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(as_double(std::nan("")), "NaN");
}

TEST(NumberFormat, PrintsShortestRoundTripLikeGo) {
  EXPECT_EQ(as_double(0), "0");
  EXPECT_EQ(as_double(1), "1");
  EXPECT_EQ(as_double(-2.5), "-2.5");
  EXPECT_EQ(as_double(0.1), "0.1");
  EXPECT_EQ(as_double(0.0001), "0.0001");
  EXPECT_EQ(as_double(0.00001), "1e-05");
  EXPECT_EQ(as_double(100000), "100000");
  EXPECT_EQ(as_double(1e6), "1e+06");
  EXPECT_EQ(as_double(1234567), "1.234567e+06");
  EXPECT_EQ(as_double(123456.5), "123456.5");
  EXPECT_EQ(as_double(1.7e9), "1.7e+09");
  EXPECT_EQ(as_double(1e100), "1e+100");
  EXPECT_EQ(as_double(0.30000000000000004), "0.30000000000000004");
}

TEST(NumberFormat, EveryPrintedValueReadsBackExactly) {
  for (const double value : {1.0 / 3, 2.0 / 3 * 1e-7, 6.02214076e23, 0.1 + 0.2, 4.9e-324}) {
    EXPECT_EQ(std::strtod(as_double(value).c_str(), nullptr), value) << as_double(value);
  }
}

// OpenMetrics' "canonical numbers" for le: Go's %g plus ".0" where there is no point or
// exponent.
TEST(NumberFormat, BucketBoundsUseOpenMetricsCanonicalSpelling) {
  EXPECT_EQ(as_bound(1), "1.0");
  EXPECT_EQ(as_bound(10), "10.0");
  EXPECT_EQ(as_bound(100000), "100000.0");
  EXPECT_EQ(as_bound(1e6), "1e+06");
  EXPECT_EQ(as_bound(0.001), "0.001");
  EXPECT_EQ(as_bound(0.00025), "0.00025");
  EXPECT_EQ(as_bound(1e-5), "1e-05");
  EXPECT_EQ(as_bound(2.5), "2.5");
}

TEST(NumberFormat, TimestampsAreSecondsWithMillisecondsNeverExponents) {
  EXPECT_EQ(as_seconds(1'520'430'000'123'456'789), "1520430000.123");
  EXPECT_EQ(as_seconds(0), "0.000");
  EXPECT_EQ(as_seconds(5'000'000), "0.005");
  EXPECT_EQ(as_seconds(-1'000'000), "-1.999");  // floor: 1 ms before the epoch
}

TEST(NumberFormat, UnsignedIntegersAreExactAtAnySize) {
  std::string out;
  append_unsigned(out, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(out, "18446744073709551615");
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
