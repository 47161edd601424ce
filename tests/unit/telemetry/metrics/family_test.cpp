#include "telemetry/metrics/family.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "telemetry/metrics/counter.hpp"

namespace glassbox::telemetry::metrics {
namespace {

using CounterFamily = Family<Counter>;

std::int64_t fixed_clock() noexcept {
  return 42;
}

TEST(Family, SeriesComeOutInLabelValueOrderWithRenderedLabels) {
  CounterFamily family("requests_total", "R.", {"method", "route"}, Counter::Config{},
                       &fixed_clock);
  family.with({"POST", "/b"});
  family.with({"GET", "/b"});
  family.with({"GET", "/a"});
  std::vector<std::string> labels;
  family.for_each_series([&labels](const CounterFamily::Series& series) {
    labels.push_back(series.rendered_labels);
    EXPECT_EQ(series.created_nanos, 42);
  });
  EXPECT_EQ(labels,
            (std::vector<std::string>{R"(method="GET",route="/a")", R"(method="GET",route="/b")",
                                      R"(method="POST",route="/b")"}));
}

TEST(Family, LabelLessFamilyHasOneSeriesWithEmptyLabels) {
  CounterFamily family("events_total", "E.", {}, Counter::Config{}, &fixed_clock);
  Counter& counter = family.with({});
  counter.inc();
  EXPECT_EQ(&counter, &family.with({}));
  family.for_each_series([](const CounterFamily::Series& series) {
    EXPECT_EQ(series.rendered_labels, "");
    EXPECT_EQ(series.metric.value(), 1);
  });
}

TEST(Family, KnowsItsTypeNameHelpAndLabels) {
  CounterFamily family("requests_total", "R.", {"method"}, Counter::Config{}, &fixed_clock);
  EXPECT_EQ(CounterFamily::type(), MetricType::kCounter);
  EXPECT_EQ(family.name(), "requests_total");
  EXPECT_EQ(family.help(), "R.");
  EXPECT_EQ(family.label_names(), (std::vector<std::string>{"method"}));
  EXPECT_EQ(family.size(), 0u);
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
