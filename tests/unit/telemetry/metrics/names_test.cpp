#include "telemetry/metrics/names.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace glassbox::telemetry::metrics {
namespace {

TEST(Names, MetricNamesFollowTheGrammar) {
  EXPECT_TRUE(is_valid_metric_name("http_requests_total"));
  EXPECT_TRUE(is_valid_metric_name("job:rate5m"));
  EXPECT_TRUE(is_valid_metric_name("A1"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_FALSE(is_valid_metric_name("1abc"));
  EXPECT_FALSE(is_valid_metric_name("has-dash"));
  EXPECT_FALSE(is_valid_metric_name("has space"));
  EXPECT_FALSE(is_valid_metric_name("_reserved"));
  EXPECT_FALSE(is_valid_metric_name("caf\xC3\xA9"));
}

TEST(Names, LabelNamesFollowTheGrammarWithoutColons) {
  EXPECT_TRUE(is_valid_label_name("route"));
  EXPECT_TRUE(is_valid_label_name("status_2"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("__name__"));
  EXPECT_FALSE(is_valid_label_name("9lives"));
  EXPECT_FALSE(is_valid_label_name(""));
}

TEST(Names, FamilyChecksRejectBadLabelsRepeatsAndLeOnHistograms) {
  const std::vector<std::string> ok{"method", "route"};
  EXPECT_NO_THROW(check_family_names(MetricType::kCounter, "x_total", ok));
  const std::vector<std::string> repeated{"route", "route"};
  EXPECT_THROW(check_family_names(MetricType::kCounter, "x_total", repeated),
               std::invalid_argument);
  const std::vector<std::string> le{"le"};
  EXPECT_THROW(check_family_names(MetricType::kHistogram, "x", le), std::invalid_argument);
  EXPECT_NO_THROW(check_family_names(MetricType::kGauge, "x", le));
  EXPECT_THROW(check_family_names(MetricType::kGauge, "bad name", {}), std::invalid_argument);
}

TEST(Names, BucketsMustBePositiveFiniteAndStrictlyIncreasing) {
  EXPECT_EQ(validate_buckets({0.001, 0.5, 1, 10}), std::nullopt);
  EXPECT_NE(validate_buckets({}), std::nullopt);
  EXPECT_NE(validate_buckets({0, 1}), std::nullopt);
  EXPECT_NE(validate_buckets({-1, 1}), std::nullopt);
  EXPECT_NE(validate_buckets({1, 1}), std::nullopt);
  EXPECT_NE(validate_buckets({2, 1}), std::nullopt);
  EXPECT_NE(validate_buckets({1, std::numeric_limits<double>::infinity()}), std::nullopt);
  EXPECT_NE(validate_buckets({std::numeric_limits<double>::quiet_NaN()}), std::nullopt);
}

TEST(Names, OpenMetricsDropsTotalFromCounterFamilyNamesOnly) {
  EXPECT_EQ(openmetrics_family_name(MetricType::kCounter, "http_requests_total"), "http_requests");
  EXPECT_EQ(openmetrics_family_name(MetricType::kCounter, "events"), "events");
  EXPECT_EQ(openmetrics_family_name(MetricType::kGauge, "x_total"), "x_total");
}

TEST(Names, ExposedNamesListEverySampleNameAFamilyCanProduce) {
  EXPECT_EQ(exposed_names(MetricType::kCounter, "x_total"),
            (std::vector<std::string>{"x", "x_total", "x_created", "x_total"}));
  EXPECT_EQ(exposed_names(MetricType::kHistogram, "h"),
            (std::vector<std::string>{"h", "h_bucket", "h_count", "h_sum", "h_created"}));
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
