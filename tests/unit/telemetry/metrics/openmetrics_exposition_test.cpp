#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <sstream>

#include "telemetry/metrics/exposition.hpp"

namespace glassbox::telemetry::metrics {
namespace {

std::int64_t fixed_clock() noexcept {
  return 1'700'000'000'123'000'000;
}

std::string openmetrics(const Registry& registry) {
  return render(registry, Format::kOpenMetrics);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    lines.push_back(line);
  }
  return lines;
}

TEST(OpenMetricsExposition, WritesCountersHistogramsAndGaugesAsTheSpecSays) {
  Registry registry(RegistryOptions{.clock = &fixed_clock});
  registry.counter_family("http_requests_total", "Requests \"served\".", {"status"})
      .with({"200"})
      .inc(3);
  auto& latency =
      registry.histogram_family("http_request_duration_seconds", "Latency.", {"route"}, {0.1, 1});
  Histogram& route_a = latency.with({"/a"});
  route_a.observe(0.0625, "4bf92f3577b34da6a3ce929d0e0e4736");
  route_a.observe(0.5);
  route_a.observe(4, "0af7651916cd43dd8448eb211c80319c");
  registry.gauge("http_requests_in_flight", "In flight.").set(2);

  EXPECT_EQ(openmetrics(registry),
            "# TYPE http_request_duration_seconds histogram\n"
            "# HELP http_request_duration_seconds Latency.\n"
            "http_request_duration_seconds_bucket{route=\"/a\",le=\"0.1\"} 1 "
            "# {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 0.0625 1700000000.123\n"
            "http_request_duration_seconds_bucket{route=\"/a\",le=\"1.0\"} 2\n"
            "http_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3 "
            "# {trace_id=\"0af7651916cd43dd8448eb211c80319c\"} 4 1700000000.123\n"
            "http_request_duration_seconds_count{route=\"/a\"} 3\n"
            "http_request_duration_seconds_sum{route=\"/a\"} 4.5625\n"
            "http_request_duration_seconds_created{route=\"/a\"} 1700000000.123\n"
            "# TYPE http_requests_in_flight gauge\n"
            "# HELP http_requests_in_flight In flight.\n"
            "http_requests_in_flight 2\n"
            "# TYPE http_requests counter\n"
            "# HELP http_requests Requests \\\"served\\\".\n"
            "http_requests_total{status=\"200\"} 3\n"
            "http_requests_created{status=\"200\"} 1700000000.123\n"
            "# EOF\n");
}

TEST(OpenMetricsExposition, EndsWithEofEvenWhenEmpty) {
  Registry registry;
  EXPECT_EQ(openmetrics(registry), "# EOF\n");
  registry.gauge("g", "G.").set(1);
  const auto lines = lines_of(openmetrics(registry));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "# EOF");
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "# EOF"), 1);
}

TEST(OpenMetricsExposition, CounterTypeLinesDropTotalAndSamplesCarryIt) {
  Registry registry(RegistryOptions{.clock = &fixed_clock});
  registry.counter("events", "Named without _total.").inc();
  registry.add_collector(
      [](MetricSink& sink) { sink.counter("process_cpu_seconds_total", "CPU.", 0.25); });
  EXPECT_EQ(openmetrics(registry),
            "# TYPE events counter\n"
            "# HELP events Named without _total.\n"
            "events_total 1\n"
            "events_created 1700000000.123\n"
            "# TYPE process_cpu_seconds counter\n"
            "# HELP process_cpu_seconds CPU.\n"
            "process_cpu_seconds_total 0.25\n"
            "# EOF\n");
}

// Every bucket line with an exemplar matches the grammar
//   sample SP HASH SP labels SP number SP timestamp
// and its value lies inside the bucket.
TEST(OpenMetricsExposition, ExemplarsFollowTheGrammarAndSitInTheirBucket) {
  Registry registry;
  Histogram& histogram = registry.histogram("latency_seconds", "L.", {0.001, 0.01, 0.1, 1, 10});
  const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
  for (const double value : {0.0005, 0.005, 0.05, 0.5, 5.0, 50.0}) {
    histogram.observe(value, kTrace);
  }
  const std::regex exemplar_line(
      R"re(latency_seconds_bucket\{le="([^"]+)"\} \d+ # \{trace_id="[0-9a-f]{32}"\} )re"
      R"re(([0-9.e+-]+) \d+\.\d{3})re");
  double previous_bound = 0;
  int exemplars = 0;
  for (const std::string& line : lines_of(openmetrics(registry))) {
    if (line.find(" # {") == std::string::npos) {
      continue;
    }
    std::smatch match;
    ASSERT_TRUE(std::regex_match(line, match, exemplar_line)) << line;
    const double bound = match[1] == "+Inf" ? INFINITY : std::stod(match[1]);
    const double value = std::stod(match[2]);
    EXPECT_GT(value, previous_bound) << line;
    EXPECT_LE(value, bound) << line;
    previous_bound = bound;
    ++exemplars;
  }
  EXPECT_EQ(exemplars, 6);
}

// OpenMetrics caps an exemplar's label names plus values at 128 characters. Only 32-digit
// trace ids are stored, so an id that would break the cap never reaches the output.
TEST(OpenMetricsExposition, ExemplarLabelsStayWithinTheLengthLimit) {
  Registry registry;
  Histogram& histogram = registry.histogram("latency_seconds", "L.", {1});
  histogram.observe(0.5, std::string(121, 'a'));
  EXPECT_EQ(openmetrics(registry).find(" # {"), std::string::npos);

  histogram.observe(0.5, "4bf92f3577b34da6a3ce929d0e0e4736");
  const std::string text = openmetrics(registry);
  const std::regex label(R"re(# \{(\w+)="([^"]*)"\})re");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(text, match, label));
  EXPECT_LE(match[1].length() + match[2].length(), kExemplarLabelCharacterLimit);
}

TEST(OpenMetricsExposition, TextFormatNeverCarriesExemplarsOrCreated) {
  Registry registry;
  registry.histogram("latency_seconds", "L.", {1}).observe(0.5, "4bf92f3577b34da6a3ce929d0e0e4736");
  registry.counter("jobs_total", "J.").inc();
  const std::string text = render(registry, Format::kPrometheusText);
  EXPECT_EQ(text.find('#' + std::string(" {")), std::string::npos);
  EXPECT_EQ(text.find("_created"), std::string::npos);
  EXPECT_EQ(text.find("# EOF"), std::string::npos);
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
