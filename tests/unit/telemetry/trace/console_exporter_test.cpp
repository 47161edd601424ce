#include "telemetry/trace/console_exporter.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "span_fixtures.hpp"

namespace glassbox::telemetry::trace {
namespace {

TEST(ConsoleSpanExporter, WritesOneJsonObjectPerSpanPerLine) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(testing::sample_server_span());
  spans.push_back(testing::sample_root_span());
  ConsoleSpanExporter exporter(pipe_fds[1]);
  EXPECT_EQ(exporter.export_batch(spans, std::chrono::steady_clock::now()), ExportResult::kSuccess);
  ::close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) {
    output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  std::istringstream lines(output);
  std::vector<std::string> names;
  for (std::string line; std::getline(lines, line);) {
    names.emplace_back(boost::json::parse(line).at("name").as_string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"GET /api/users/{id}", "fibonacci"}));
}

TEST(ConsoleSpanExporter, FailsWhenTheStreamIsClosed) {
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(testing::sample_root_span());
  ConsoleSpanExporter exporter(-1);
  EXPECT_EQ(exporter.export_batch(spans, std::chrono::steady_clock::now()), ExportResult::kFailure);
}

}  // namespace
}  // namespace glassbox::telemetry::trace
