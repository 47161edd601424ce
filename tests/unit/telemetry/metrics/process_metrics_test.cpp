#include "telemetry/metrics/process_metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "telemetry/metrics/exposition.hpp"

namespace glassbox::telemetry::metrics {
namespace {

TEST(ProcessMetrics, ParsesStatLineWhoseCommandHoldsSpacesAndParentheses) {
  const std::string line =
      "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 1000 0 0 0 "
      "250 125 0 0 20 0 3 0 98765 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 "
      "0 17 1 0 0 0 0 0\n";
  const auto stat = parse_proc_stat(line);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->user_ticks, 250u);
  EXPECT_EQ(stat->system_ticks, 125u);
  EXPECT_EQ(stat->start_ticks, 98765u);
  EXPECT_EQ(stat->virtual_bytes, 123456789u);
  EXPECT_EQ(stat->resident_pages, 2048u);
}

TEST(ProcessMetrics, MalformedStatLinesGiveNothing) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("4242 (cmd) S 1 2 3"));
  EXPECT_FALSE(parse_proc_stat("no parenthesis at all"));
}

TEST(ProcessMetrics, FindsBootTimeInProcStat) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n"), 1'700'000'000);
  EXPECT_FALSE(parse_boot_time("cpu  1 2 3\n"));
  EXPECT_FALSE(parse_boot_time("btime soon\n"));
}

// Reads this test process's own /proc entries through the real collector.
std::map<std::string, double> scrape_process_metrics() {
  Registry registry;
  register_process_metrics(registry);
  std::map<std::string, double> values;
  registry.visit_families([&values](const Registry::FamilyView& view) {
    if (const auto* const* family = std::get_if<const CollectedFamily*>(&view)) {
      values[(*family)->name] = (*family)->samples.at(0).value;
    }
  });
  return values;
}

TEST(ProcessMetrics, ValuesFromProcAreSane) {
  const auto values = scrape_process_metrics();
  ASSERT_EQ(values.size(), 6u);
  EXPECT_GE(values.at("process_cpu_seconds_total"), 0);
  EXPECT_GT(values.at("process_resident_memory_bytes"), 0);
  EXPECT_GT(values.at("process_virtual_memory_bytes"), values.at("process_resident_memory_bytes"));
  EXPECT_GE(values.at("process_open_fds"), 3);  // stdin, stdout, stderr at least
  EXPECT_GE(values.at("process_max_fds"), values.at("process_open_fds"));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double start = values.at("process_start_time_seconds");
  EXPECT_LE(start, now);
  EXPECT_GT(start, now - 24 * 3600);  // this test process started less than a day ago
}

TEST(ProcessMetrics, BuildInfoIsAGaugeOfOneWithVersionAndRevision) {
  Registry registry;
  register_build_info(registry, "1.2.3", "abc123");
  EXPECT_EQ(render(registry, Format::kPrometheusText),
            "# HELP glassbox_build_info The version and source revision this binary was built "
            "from; always 1.\n"
            "# TYPE glassbox_build_info gauge\n"
            "glassbox_build_info{version=\"1.2.3\",revision=\"abc123\"} 1\n");
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
