#include "telemetry/metrics/format.hpp"

#include <gtest/gtest.h>

namespace glassbox::telemetry::metrics {
namespace {

TEST(Format, ContentTypesAreTheOnesTheSpecsName) {
  EXPECT_EQ(content_type(Format::kPrometheusText), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(content_type(Format::kOpenMetrics),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(Format, PrometheusScrapeHeaderGetsOpenMetrics) {
  EXPECT_EQ(select_format("application/openmetrics-text;version=1.0.0,application/"
                          "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,"
                          "*/*;q=0.1"),
            Format::kOpenMetrics);
  EXPECT_EQ(select_format("application/openmetrics-text"), Format::kOpenMetrics);
  EXPECT_EQ(select_format("Application/OpenMetrics-Text; Version=\"1.0.0\"; charset=utf-8"),
            Format::kOpenMetrics);
}

TEST(Format, AnythingElseGetsTheTextFormat) {
  EXPECT_EQ(select_format(""), Format::kPrometheusText);
  EXPECT_EQ(select_format("*/*"), Format::kPrometheusText);
  EXPECT_EQ(select_format("text/plain"), Format::kPrometheusText);
  EXPECT_EQ(select_format("application/json"), Format::kPrometheusText);
  EXPECT_EQ(select_format("garbage;;;,,"), Format::kPrometheusText);
}

TEST(Format, QualityValuesDecide) {
  EXPECT_EQ(select_format("text/plain;q=0.9, application/openmetrics-text;q=0.5"),
            Format::kPrometheusText);
  EXPECT_EQ(select_format("text/plain;q=0.5, application/openmetrics-text;q=0.9"),
            Format::kOpenMetrics);
  EXPECT_EQ(select_format("application/openmetrics-text;q=0"), Format::kPrometheusText);
  EXPECT_EQ(select_format("application/openmetrics-text, text/plain"), Format::kOpenMetrics);
}

TEST(Format, UnsupportedVersionsAndMalformedQualitiesAreIgnored) {
  EXPECT_EQ(select_format("application/openmetrics-text;version=0.0.1"), Format::kPrometheusText);
  EXPECT_EQ(select_format("application/openmetrics-text;version=2.0.0"), Format::kPrometheusText);
  EXPECT_EQ(select_format("application/openmetrics-text;q=high"), Format::kPrometheusText);
  EXPECT_EQ(select_format("application/openmetrics-text;q=1.5"), Format::kPrometheusText);
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
