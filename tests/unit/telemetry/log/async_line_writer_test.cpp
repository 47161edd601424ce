#include "telemetry/log/async_line_writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "log_test_support.hpp"
#include "telemetry/metrics/counter.hpp"

namespace glassbox::telemetry::log {
namespace {

using namespace std::chrono_literals;

void append_payload_line(std::string& out, const RecordRing::Entry& entry) {
  out.append(entry.payload, entry.size);
  out.push_back('\n');
}

bool push(AsyncLineWriter& writer, std::string_view text) {
  const RecordRing::Reservation reservation = writer.reserve(text.size());
  if (reservation.status != RecordRing::Status::kReserved) return false;
  std::memcpy(reservation.payload, text.data(), text.size());
  writer.commit(reservation, 1);
  return true;
}

// A SOCK_SEQPACKET socket keeps each write(2) as one message, so the reader sees the
// batches: records queued while the writer is busy go out together, in whole lines.
TEST(AsyncLineWriter, RecordsQueuedWhileTheWriterIsBusyGoOutInOneWrite) {
  int sockets[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sockets), 0);
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first{true};
  AsyncLineWriter writer({.fd = sockets[0]}, [&](std::string& out, const RecordRing::Entry& e) {
    if (first.exchange(false)) {
      entered.set_value();
      released.wait();
    }
    append_payload_line(out, e);
  });
  ASSERT_TRUE(push(writer, "0"));
  ASSERT_EQ(entered.get_future().wait_for(10s), std::future_status::ready);
  std::string expected = "0\n";
  for (int i = 1; i < 1000; ++i) {
    ASSERT_TRUE(push(writer, std::to_string(i)));
    expected += std::to_string(i) + "\n";
  }
  release.set_value();
  ASSERT_TRUE(writer.flush(10s));

  std::vector<std::string> messages;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::recv(sockets[1], buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n <= 0) break;
    messages.emplace_back(buffer, static_cast<std::size_t>(n));
  }
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0], expected);
  writer.stop();
  ::close(sockets[0]);
  ::close(sockets[1]);
}

TEST(AsyncLineWriter, RecordsTheDescriptorRefusesAreCountedAsDropped) {
  const int read_only = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(read_only, 0);
  metrics::Counter dropped;
  AsyncLineWriter writer({.fd = read_only, .dropped_counter = &dropped}, append_payload_line);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(push(writer, "line"));
  writer.count_drop();
  ASSERT_TRUE(writer.flush(10s));
  EXPECT_EQ(writer.dropped(), 11U);
  EXPECT_EQ(dropped.exact_value().integer, 11U);
  writer.stop();
  ::close(read_only);
}

// Records arrive one at a time, each after the writer went idle: none waits for a flush.
void expect_each_record_written_unprompted(AsyncLineWriterOptions options) {
  testing::MemoryFile file;
  options.fd = file.fd();
  AsyncLineWriter writer(options, append_payload_line);
  std::string expected;
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(push(writer, std::to_string(i)));
    expected += std::to_string(i) + "\n";
    ASSERT_TRUE(testing::eventually([&] { return file.contents() == expected; }, 10s)) << i;
  }
}

TEST(AsyncLineWriter, ASleepingWriterIsWokenByTheNextRecord) {
  expect_each_record_written_unprompted({.naps_before_sleep = 0});
}

TEST(AsyncLineWriter, ANappingWriterWritesAtTheEndOfItsNap) {
  expect_each_record_written_unprompted({.idle_nap = 1ms, .naps_before_sleep = 1 << 30});
}

TEST(AsyncLineWriter, AfterStopTheRingIsClosedAndFlushReturnsAtOnce) {
  AsyncLineWriter writer({.fd = -1}, append_payload_line);
  writer.stop();
  writer.stop();
  EXPECT_EQ(writer.reserve(4).status, RecordRing::Status::kClosed);
  EXPECT_TRUE(writer.flush(0ms));
}

}  // namespace
}  // namespace glassbox::telemetry::log
