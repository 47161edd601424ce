#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "telemetry/metrics/exposition.hpp"

namespace glassbox::telemetry::metrics {
namespace {

std::int64_t fixed_clock() noexcept {
  return 1'700'000'000'123'000'000;
}

std::string text(const Registry& registry) {
  return render(registry, Format::kPrometheusText);
}

TEST(TextExposition, WritesEveryTypeSortedWithHelpAndType) {
  Registry registry(RegistryOptions{.clock = &fixed_clock});
  auto& requests =
      registry.counter_family("http_requests_total", "Requests served.", {"method", "status"});
  requests.with({"POST", "201"}).inc();
  requests.with({"GET", "200"}).inc(3);
  auto& latency =
      registry.histogram_family("http_request_duration_seconds", "Latency.", {"route"}, {0.1, 1});
  Histogram& route_a = latency.with({"/a"});
  route_a.observe(0.0625, "4bf92f3577b34da6a3ce929d0e0e4736");
  route_a.observe(0.5);
  route_a.observe(4);
  registry.gauge("http_requests_in_flight", "In flight.").set(2);

  EXPECT_EQ(text(registry),
            "# HELP http_request_duration_seconds Latency.\n"
            "# TYPE http_request_duration_seconds histogram\n"
            "http_request_duration_seconds_bucket{route=\"/a\",le=\"0.1\"} 1\n"
            "http_request_duration_seconds_bucket{route=\"/a\",le=\"1.0\"} 2\n"
            "http_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"
            "http_request_duration_seconds_sum{route=\"/a\"} 4.5625\n"
            "http_request_duration_seconds_count{route=\"/a\"} 3\n"
            "# HELP http_requests_in_flight In flight.\n"
            "# TYPE http_requests_in_flight gauge\n"
            "http_requests_in_flight 2\n"
            "# HELP http_requests_total Requests served.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{method=\"GET\",status=\"200\"} 3\n"
            "http_requests_total{method=\"POST\",status=\"201\"} 1\n");
}

TEST(TextExposition, EscapesLabelValuesAndHelp) {
  Registry registry;
  registry.gauge_family("paths", "Back\\slash, \"quotes\" and\na newline.", {"path"})
      .with({"C:\\dir \"x\"\nnext caf\xC3\xA9"})
      .set(1);
  EXPECT_EQ(text(registry),
            "# HELP paths Back\\\\slash, \"quotes\" and\\na newline.\n"
            "# TYPE paths gauge\n"
            "paths{path=\"C:\\\\dir \\\"x\\\"\\nnext caf\xC3\xA9\"} 1\n");
}

TEST(TextExposition, SpellsSpecialValuesAsPrometheusExpects) {
  Registry registry;
  registry.gauge_family("special", "S.", {"case"})
      .with({"inf"})
      .set(std::numeric_limits<double>::infinity());
  registry.gauge_family("special", "S.", {"case"})
      .with({"minus_inf"})
      .set(-std::numeric_limits<double>::infinity());
  registry.gauge_family("special", "S.", {"case"}).with({"nan"}).set(std::nan(""));
  registry.gauge_family("special", "S.", {"case"}).with({"small"}).set(1e-7);
  EXPECT_EQ(text(registry),
            "# HELP special S.\n"
            "# TYPE special gauge\n"
            "special{case=\"inf\"} +Inf\n"
            "special{case=\"minus_inf\"} -Inf\n"
            "special{case=\"nan\"} NaN\n"
            "special{case=\"small\"} 1e-07\n");
}

TEST(TextExposition, FractionalCountersAndCollectorsAreWrittenToo) {
  Registry registry;
  registry.counter("cpu_seconds_total", "CPU.").inc(1.5);
  registry.add_collector([](MetricSink& sink) {
    sink.add({MetricType::kGauge,
              "pool_connections",
              "Pool.",
              {"state"},
              {{{"idle"}, 5}, {{"in_use"}, 3}}});
  });
  EXPECT_EQ(text(registry),
            "# HELP cpu_seconds_total CPU.\n"
            "# TYPE cpu_seconds_total counter\n"
            "cpu_seconds_total 1.5\n"
            "# HELP pool_connections Pool.\n"
            "# TYPE pool_connections gauge\n"
            "pool_connections{state=\"idle\"} 5\n"
            "pool_connections{state=\"in_use\"} 3\n");
}

TEST(TextExposition, FamiliesWithoutSeriesAreLeftOut) {
  Registry registry;
  registry.counter_family("errors_total", "Errors.", {"type"});
  EXPECT_EQ(text(registry), "");
}

TEST(TextExposition, SerializeAppendsToTheGivenBuffer) {
  Registry registry;
  registry.gauge("up_ish", "U.").set(1);
  std::string out = "kept\n";
  serialize(registry, Format::kPrometheusText, out);
  EXPECT_EQ(out, "kept\n# HELP up_ish U.\n# TYPE up_ish gauge\nup_ish 1\n");
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
