// Lints a text exposition with the real promtool (Debian package `prometheus`, installed by
// scripts/bootstrap): what Prometheus' own parser and linter say about our output.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>

#include "telemetry/metrics/exposition.hpp"
#include "telemetry/metrics/process_metrics.hpp"

namespace glassbox::telemetry::metrics {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  char buffer[4096];
  while (const std::size_t count = std::fread(buffer, 1, sizeof buffer, pipe)) {
    result.output.append(buffer, count);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Every metric type, labels with quotes, backslashes, newlines and UTF-8, special values,
// a collector and the process metrics.
void fill(Registry& registry) {
  auto& requests = registry.counter_family("http_requests_total", "Requests \"served\".\nTotal.",
                                           {"method", "route", "status"});
  requests.with({"GET", "/api/users/{id}", "200"}).inc(41);
  requests.with({"OTHER", "unmatched", "404"}).inc();
  requests.with({"GET", "/quote\"back\\slash\nnewline", "500"}).inc();
  requests.with({"GET", "/caf\xC3\xA9/\xF0\x9F\x9A\x80", "200"}).inc(0.5);
  auto& latency = registry.histogram_family("http_request_duration_seconds",
                                            "Latency \\ of requests.", {"method", "route"},
                                            {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                             0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  for (const double value : {0.00005, 0.003, 0.2, 7.0, 30.0}) {
    latency.with({"GET", "/api/users/{id}"}).observe(value, "4bf92f3577b34da6a3ce929d0e0e4736");
  }
  latency.with({"POST", "/api/\"users\""});  // a series with no observations yet
  registry.gauge("http_requests_in_flight", "Requests in flight.").set(3);
  auto& odd = registry.gauge_family("glassbox_odd_values", "Special values.", {"case"});
  odd.with({"inf"}).set(std::numeric_limits<double>::infinity());
  odd.with({"minus_inf"}).set(-std::numeric_limits<double>::infinity());
  odd.with({"nan"}).set(std::numeric_limits<double>::quiet_NaN());
  odd.with({"tiny"}).set(1e-300);
  registry.add_collector([](MetricSink& sink) {
    sink.add({MetricType::kGauge,
              "db_connections",
              "Pool connections.",
              {"state"},
              {{{"in_use"}, 2}, {{"idle"}, 8}}});
  });
  register_process_metrics(registry);
  register_build_info(registry, "0.1.0", "abc\"123");
}

TEST(Promtool, TextExpositionPassesPromtoolCheckMetrics) {
  const CommandResult which = run("command -v promtool");
  ASSERT_EQ(which.exit_code, 0) << "promtool not found: run scripts/bootstrap (Debian prometheus)";

  Registry registry;
  fill(registry);
  const std::string exposition = render(registry, Format::kPrometheusText);
  char path[] = "/tmp/glassbox-metrics-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path, std::ios::binary) << exposition;

  const CommandResult lint = run(std::string("promtool check metrics < ") + path);
  std::remove(path);
  EXPECT_EQ(lint.exit_code, 0) << lint.output << "\n--- exposition ---\n" << exposition;
  EXPECT_EQ(lint.output, "") << "\n--- exposition ---\n" << exposition;
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
