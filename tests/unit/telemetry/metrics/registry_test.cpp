#include "telemetry/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <type_traits>

namespace glassbox::telemetry::metrics {
namespace {

TEST(Registry, RegisteringTheSameFamilyAgainReturnsIt) {
  Registry registry;
  CounterFamily& first = registry.counter_family("requests_total", "Requests.", {"route"});
  CounterFamily& again = registry.counter_family("requests_total", "Other words.", {"route"});
  EXPECT_EQ(&first, &again);
  EXPECT_EQ(again.help(), "Requests.");
  HistogramFamily& histogram = registry.histogram_family("latency_seconds", "L.", {}, {0.1, 1});
  EXPECT_EQ(&histogram, &registry.histogram_family("latency_seconds", "L.", {}, {0.1, 1}));
}

TEST(Registry, ConflictingRegistrationsThrow) {
  Registry registry;
  registry.counter_family("requests_total", "Requests.", {"route"});
  EXPECT_THROW(registry.gauge_family("requests_total", "Requests.", {"route"}),
               std::invalid_argument);
  EXPECT_THROW(registry.counter_family("requests_total", "Requests.", {"method"}),
               std::invalid_argument);
  EXPECT_THROW(registry.counter_family("requests_total", "Requests.", {}), std::invalid_argument);
  registry.histogram_family("latency_seconds", "L.", {}, {0.1, 1});
  EXPECT_THROW(registry.histogram_family("latency_seconds", "L.", {}, {0.1, 2}),
               std::invalid_argument);
}

TEST(Registry, NamesWhoseSamplesWouldClashAreRejected) {
  Registry registry;
  registry.counter_family("jobs_total", "Jobs.");
  EXPECT_THROW(registry.gauge_family("jobs", "Clashes with the OpenMetrics family name."),
               std::invalid_argument);
  EXPECT_THROW(registry.gauge_family("jobs_created", "Clashes with _created."),
               std::invalid_argument);
  registry.histogram_family("size_bytes", "S.", {}, {1});
  EXPECT_THROW(registry.gauge_family("size_bytes_count", "Clashes."), std::invalid_argument);
  EXPECT_NO_THROW(registry.gauge_family("jobs_running", "Fine."));
}

TEST(Registry, InvalidNamesAndBucketsThrow) {
  Registry registry;
  EXPECT_THROW(registry.counter_family("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(registry.counter_family("ok_total", "x", {"bad label"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram_family("h", "x", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram_family("h", "x", {}, {1, 0.5}), std::invalid_argument);
  EXPECT_THROW(registry.histogram_family("h", "x", {}, {}), std::invalid_argument);
}

TEST(Registry, WithReturnsTheSameSeriesForTheSameLabelValues) {
  Registry registry;
  CounterFamily& family = registry.counter_family("requests_total", "R.", {"method", "route"});
  Counter& get = family.with({"GET", "/a"});
  const std::vector<std::string> values{"GET", "/a"};
  EXPECT_EQ(&get, &family.with(values));
  EXPECT_NE(&get, &family.with({"POST", "/a"}));
  for (int i = 0; i < 1000; ++i) {
    family.with({"GET", "/route" + std::to_string(i)});  // the map grows; references hold
  }
  EXPECT_EQ(&get, &family.with({"GET", "/a"}));
  EXPECT_EQ(family.size(), 1002u);
}

TEST(Registry, WrongNumberOfLabelValuesThrows) {
  Registry registry;
  CounterFamily& family = registry.counter_family("requests_total", "R.", {"method"});
  EXPECT_THROW(family.with({}), std::invalid_argument);
  EXPECT_THROW(family.with({"GET", "extra"}), std::invalid_argument);
}

TEST(Registry, InvalidUtf8InLabelValuesNamesOneRepairedSeries) {
  Registry registry;
  GaugeFamily& family = registry.gauge_family("things", "T.", {"name"});
  Gauge& first = family.with({"a\xFF"});
  EXPECT_EQ(&first, &family.with({"a\xFE"}));
  EXPECT_EQ(&first, &family.with({"a\xEF\xBF\xBD"}));
  EXPECT_EQ(family.size(), 1u);
}

TEST(Registry, ShortcutsReturnTheLabelLessSeries) {
  Registry registry;
  Counter& counter = registry.counter("events_total", "E.");
  EXPECT_EQ(&counter, &registry.counter_family("events_total", "E.").with({}));
  Gauge& gauge = registry.gauge("level", "L.");
  EXPECT_EQ(&gauge, &registry.gauge("level", "L."));
  Histogram& histogram = registry.histogram("wait_seconds", "W.", {1});
  EXPECT_EQ(&histogram, &registry.histogram("wait_seconds", "W.", {1}));
}

std::vector<std::string> visited_names(const Registry& registry) {
  std::vector<std::string> names;
  registry.visit_families([&names](const Registry::FamilyView& view) {
    std::visit(
        [&names](const auto* family) {
          if constexpr (std::is_same_v<decltype(family), const CollectedFamily*>) {
            names.push_back(family->name);
          } else {
            names.push_back(family->name());
          }
        },
        view);
  });
  return names;
}

TEST(Registry, VisitsRegisteredAndCollectedFamiliesInNameOrder) {
  Registry registry;
  registry.gauge("b_gauge", "B.");
  registry.counter("d_total", "D.");
  registry.add_collector([](MetricSink& sink) {
    sink.gauge("c_collected", "C.", 1);
    sink.gauge("a_collected", "A.", 1);
  });
  EXPECT_EQ(visited_names(registry),
            (std::vector<std::string>{"a_collected", "b_gauge", "c_collected", "d_total"}));
}

TEST(Registry, CollectedFamiliesThatClashOrThrowAreLeftOut) {
  Registry registry;
  registry.counter("jobs_total", "Jobs.");
  registry.add_collector([](MetricSink& sink) {
    sink.gauge("jobs", "Clashes with the counter's OpenMetrics name.", 1);
    sink.gauge("fine", "Kept.", 1);
  });
  registry.add_collector([](MetricSink& sink) { sink.gauge("fine", "Second one loses.", 2); });
  registry.add_collector([](MetricSink& sink) {
    sink.gauge("lost", "Output of a throwing collector is dropped.", 1);
    throw std::runtime_error("cannot read");
  });
  EXPECT_EQ(visited_names(registry), (std::vector<std::string>{"fine", "jobs_total"}));
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
