#include "telemetry/metrics/metric_sink.hpp"

#include <gtest/gtest.h>

namespace glassbox::telemetry::metrics {
namespace {

TEST(MetricSink, RejectsWhatCannotBeExposed) {
  MetricSink sink;
  EXPECT_FALSE(sink.add({MetricType::kHistogram, "h", "H.", {}, {{{}, 1}}}));
  EXPECT_FALSE(sink.gauge("bad name", "B.", 1));
  EXPECT_FALSE(sink.add({MetricType::kGauge, "g", "G.", {"bad label"}, {{{"x"}, 1}}}));
  EXPECT_FALSE(sink.add({MetricType::kGauge, "g", "G.", {"state"}, {{{"a", "b"}, 1}}}));
  EXPECT_TRUE(sink.gauge("g", "G.", 1));
  EXPECT_FALSE(sink.gauge("g", "Same name again.", 2));
  ASSERT_EQ(sink.families().size(), 1u);
  EXPECT_EQ(sink.families()[0].samples[0].value, 1);
}

TEST(MetricSink, SortsSamplesKeepsTheFirstOfRepeatsAndRepairsUtf8) {
  MetricSink sink;
  ASSERT_TRUE(sink.add({MetricType::kGauge,
                        "db_connections",
                        "Pool \xFF connections.",
                        {"state"},
                        {{{"in_use"}, 3}, {{"idle"}, 5}, {{"in_use"}, 4}, {{"x\xFE"}, 1}}}));
  const CollectedFamily& family = sink.families()[0];
  EXPECT_EQ(family.help, "Pool \xEF\xBF\xBD connections.");
  ASSERT_EQ(family.samples.size(), 3u);
  EXPECT_EQ(family.samples[0].label_values[0], "idle");
  EXPECT_EQ(family.samples[1].label_values[0], "in_use");
  EXPECT_EQ(family.samples[1].value, 3);
  EXPECT_EQ(family.samples[2].label_values[0], "x\xEF\xBF\xBD");
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
