#include "telemetry/log/logger.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "log_test_support.hpp"
#include "telemetry/metrics/counter.hpp"

namespace glassbox::telemetry::log {
namespace {

using namespace std::chrono_literals;
using testing::fixed_clock;
using testing::parse_object;
using testing::whole_lines;

AccessRecord request(int status_code, std::string_view endpoint = "/api/users/42") {
  return testing::sample_request(status_code, endpoint);
}

std::vector<std::string> lines_of(const std::string& text) {
  bool ends_with_newline = false;
  std::vector<std::string> lines = whole_lines(text, &ends_with_newline);
  EXPECT_TRUE(ends_with_newline) << "a record was split";
  return lines;
}

TEST(Logger, WritesOneJsonLinePerRecord) {
  testing::MemoryFile file;
  Logger logger("glassbox", Level::kInfo, {.fd = file.fd(), .clock = fixed_clock});
  logger.write(Level::kInfo, "http.server", "Listening", {{"port", 8080}});
  logger.write(Level::kDebug, "app", "filtered out");
  ASSERT_TRUE(logger.flush(10s));
  EXPECT_EQ(file.contents(),
            R"({"timestamp":"2026-11-23T19:02:49.123Z","level":"INFO","service":"glassbox",)"
            R"("logger":"http.server","message":"Listening","port":8080})"
            "\n");
}

TEST(Logger, AccessRecordHasExactlyTheContractFields) {
  testing::MemoryFile file;
  Logger logger("glassbox", Level::kInfo, {.fd = file.fd(), .clock = fixed_clock});
  logger.access(request(200));
  ASSERT_TRUE(logger.flush(10s));
  EXPECT_EQ(file.contents(), std::string(testing::kSampleRequestLine) + "\n");
}

TEST(Logger, AccessLevelComesFromTheStatusAndIsFiltered) {
  testing::MemoryFile file;
  Logger logger("glassbox", Level::kWarn, {.fd = file.fd(), .clock = fixed_clock});
  logger.access(request(200));
  logger.access(request(404));
  logger.access(request(503));
  ASSERT_TRUE(logger.flush(10s));
  const auto lines = lines_of(file.contents());
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(parse_object(lines[0]).at("level").as_string(), "WARN");
  EXPECT_EQ(parse_object(lines[0]).at("status_code").as_int64(), 404);
  EXPECT_EQ(parse_object(lines[1]).at("level").as_string(), "ERROR");
}

TEST(Logger, CraftedUserAgentAndPathCannotForgeALineOrAField) {
  testing::MemoryFile file;
  Logger logger("glassbox", Level::kInfo, {.fd = file.fd(), .clock = fixed_clock});
  const std::string agent = "a\"}\n{\"level\":\"ERROR\",\"message\":\"forged\"}\n";
  AccessRecord record = request(200, "/x\r\n\"y\\\x1b[31m");
  record.user_agent = agent;
  logger.access(record);
  logger.write(Level::kInfo, "app", "m\n{\"forged\":1}", {{"user_agent", agent}});
  ASSERT_TRUE(logger.flush(10s));
  const auto lines = lines_of(file.contents());
  ASSERT_EQ(lines.size(), 2U);
  const boost::json::value access = parse_object(lines[0]);
  ASSERT_TRUE(access.is_object());
  EXPECT_EQ(access.at("user_agent").as_string(), agent);
  EXPECT_EQ(access.at("endpoint").as_string(), "/x\r\n\"y\\\x1b[31m");
  EXPECT_EQ(access.at("message").as_string(), "Request completed");
  EXPECT_EQ(access.at("level").as_string(), "INFO");
  const boost::json::value other = parse_object(lines[1]);
  ASSERT_TRUE(other.is_object());
  EXPECT_EQ(other.at("message").as_string(), "m\n{\"forged\":1}");
  EXPECT_FALSE(other.as_object().contains("forged"));
}

// Threads log at once into a buffer small enough to overflow: every line that comes out
// is one whole JSON record, none twice, and written + dropped == logged.
TEST(Logger, ManyThreadsAtOnceGiveWholeLinesAndCountEveryDrop) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 3000;
  testing::MemoryFile file;
  metrics::Counter dropped;
  Logger logger("glassbox", Level::kInfo,
                {.fd = file.fd(), .buffer_bytes = 64 << 10, .dropped_counter = &dropped});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = std::to_string(t) + ":" + std::to_string(i);
        if (i % 2 == 0) {
          logger.access(request(200, "/item/" + id));
        } else {
          logger.write(Level::kInfo, "test", "record", {{"id", id}, {"thread", t}});
        }
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  logger.stop();

  std::set<std::string> seen;
  for (const std::string& line : lines_of(file.contents())) {
    const boost::json::value record = parse_object(line);
    ASSERT_TRUE(record.is_object()) << line;
    const auto& object = record.as_object();
    const std::string id = object.contains("id")
                               ? std::string(object.at("id").as_string())
                               : std::string(object.at("endpoint").as_string()).substr(6);
    ASSERT_TRUE(seen.insert(id).second) << "twice: " << id;
  }
  EXPECT_EQ(seen.size() + logger.dropped_records(), std::uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(dropped.exact_value().integer, logger.dropped_records());
}

// The reader of stdout stops reading: the writer thread blocks in write(2), callers carry
// on (records dropped and counted); once it reads again, lines flow, all valid JSON.
TEST(Logger, StalledReaderNeverBlocksCallersAndLinesFlowWhenItResumes) {
  constexpr int kStalledPhase = 5000;
  constexpr int kResumedPhase = 100;
  testing::Pipe pipe;
  testing::Reader reader(pipe.read_fd());
  metrics::Counter dropped;
  Logger logger("glassbox", Level::kInfo,
                {.fd = pipe.write_fd(), .buffer_bytes = 64 << 10, .dropped_counter = &dropped});

  auto callers = std::async(std::launch::async, [&] {
    for (int i = 0; i < kStalledPhase; ++i)
      logger.access(request(200, "/stalled/" + std::to_string(i)));
  });
  const bool callers_returned = callers.wait_for(20s) == std::future_status::ready;
  reader.start();  // also unblocks the writer if the assertion below fails
  ASSERT_TRUE(callers_returned) << "a caller blocked on the stalled descriptor";
  const std::uint64_t dropped_while_stalled = logger.dropped_records();
  EXPECT_GT(dropped_while_stalled, 0U);
  EXPECT_EQ(dropped.exact_value().integer, dropped_while_stalled);

  ASSERT_TRUE(logger.flush(20s));
  for (int i = 0; i < kResumedPhase; ++i)
    logger.access(request(200, "/resumed/" + std::to_string(i)));
  ASSERT_TRUE(logger.flush(20s));
  EXPECT_EQ(logger.dropped_records(), dropped_while_stalled);
  logger.stop();
  pipe.close_write_end();

  int resumed = 0;
  std::size_t lines = 0;
  for (const std::string& line : lines_of(reader.read_to_end())) {
    const boost::json::value record = parse_object(line);
    ASSERT_TRUE(record.is_object()) << line;
    if (record.at("endpoint").as_string().starts_with("/resumed/")) ++resumed;
    ++lines;
  }
  EXPECT_EQ(resumed, kResumedPhase);
  EXPECT_EQ(lines + logger.dropped_records(), std::uint64_t{kStalledPhase} + kResumedPhase);
}

TEST(Logger, StopWritesEverythingQueued) {
  constexpr int kRecords = 1000;
  testing::Pipe pipe;
  testing::Reader reader(pipe.read_fd());
  Logger logger("glassbox", Level::kInfo, {.fd = pipe.write_fd()});
  for (int i = 0; i < kRecords; ++i)  // queued: the pipe holds a few lines only
    logger.write(Level::kInfo, "test", "queued", {{"i", i}});
  reader.start();
  logger.stop();
  pipe.close_write_end();
  const auto lines = lines_of(reader.read_to_end());
  ASSERT_EQ(lines.size(), std::size_t{kRecords});
  for (int i = 0; i < kRecords; ++i)
    EXPECT_EQ(parse_object(lines[static_cast<std::size_t>(i)]).at("i").as_int64(), i);
  EXPECT_EQ(logger.dropped_records(), 0U);
}

TEST(Logger, RecordsAfterStopAreWrittenByTheCaller) {
  testing::MemoryFile file;
  Logger logger("glassbox", Level::kInfo, {.fd = file.fd(), .clock = fixed_clock});
  logger.write(Level::kInfo, "app", "before");
  logger.stop();
  logger.write(Level::kInfo, "app", "after", {{"late", true}});
  logger.access(request(500));
  const auto lines = lines_of(file.contents());
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(parse_object(lines[0]).at("message").as_string(), "before");
  EXPECT_EQ(lines[1],
            R"({"timestamp":"2026-11-23T19:02:49.123Z","level":"INFO","service":"glassbox",)"
            R"("logger":"app","message":"after","late":true})");
  EXPECT_EQ(parse_object(lines[2]).at("level").as_string(), "ERROR");
  EXPECT_TRUE(logger.flush(0ms));
}

TEST(Logger, FlushReturnsOnceQueuedRecordsAreWritten) {
  testing::MemoryFile file;
  Logger logger("glassbox", Level::kInfo, {.fd = file.fd()});
  for (int i = 0; i < 500; ++i)
    logger.access(request(200));
  ASSERT_TRUE(logger.flush(10s));
  EXPECT_EQ(lines_of(file.contents()).size(), 500U);
}

TEST(Logger, FlushGivesUpAtItsTimeoutWhileTheReaderStalls) {
  testing::Pipe pipe;
  testing::Reader reader(pipe.read_fd());
  Logger logger("glassbox", Level::kInfo, {.fd = pipe.write_fd()});
  for (int i = 0; i < 200; ++i)  // far more than the pipe holds
    logger.access(request(200));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(logger.flush(50ms));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  reader.start();
  EXPECT_TRUE(logger.flush(20s));
  logger.stop();
  pipe.close_write_end();
  EXPECT_EQ(lines_of(reader.read_to_end()).size(), 200U);
}

TEST(Logger, RecordLargerThanHalfTheBufferIsDropped) {
  testing::MemoryFile file;
  Logger logger("glassbox", Level::kInfo, {.fd = file.fd(), .buffer_bytes = 4096});
  logger.write(Level::kInfo, "app", std::string(3000, 'x'));
  logger.write(Level::kInfo, "app", "small");
  ASSERT_TRUE(logger.flush(10s));
  EXPECT_EQ(logger.dropped_records(), 1U);
  EXPECT_EQ(lines_of(file.contents()).size(), 1U);
}

}  // namespace
}  // namespace glassbox::telemetry::log
