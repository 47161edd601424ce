#include "telemetry/metrics/exemplar.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace glassbox::telemetry::metrics {
namespace {

TEST(Exemplar, ParsesW3cTraceIdsInEitherCase) {
  const auto id = parse_trace_id("4BF92F3577B34DA6a3ce929d0e0e4736");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->high, 0x4bf92f3577b34da6u);
  EXPECT_EQ(id->low, 0xa3ce929d0e0e4736u);
  std::string out;
  append_trace_id(out, *id);
  EXPECT_EQ(out, "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(Exemplar, RejectsIdsOfTheWrongLengthOrAlphabetOrAllZero) {
  EXPECT_FALSE(parse_trace_id(""));
  EXPECT_FALSE(parse_trace_id("4bf92f3577b34da6a3ce929d0e0e473"));
  EXPECT_FALSE(parse_trace_id("4bf92f3577b34da6a3ce929d0e0e47360"));
  EXPECT_FALSE(parse_trace_id("4bf92f3577b34da6a3ce929d0e0e473g"));
  EXPECT_FALSE(parse_trace_id("00000000000000000000000000000000"));
  EXPECT_FALSE(parse_trace_id(std::string(200, 'a')));
}

// The parser works on eight bytes at a time; check it against the obvious per-character
// rule with every byte value in every position.
TEST(Exemplar, EveryNonHexByteInAnyPositionIsRejected) {
  const std::string valid = "0123456789abcdefABCDEF0123456789";
  const auto is_hex = [](unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  int mismatches = 0;
  for (std::size_t position = 0; position < valid.size(); ++position) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string id = valid;
      id[position] = static_cast<char>(byte);
      mismatches +=
          parse_trace_id(id).has_value() == is_hex(static_cast<unsigned char>(byte)) ? 0 : 1;
    }
  }
  EXPECT_EQ(mismatches, 0);
  const auto id = parse_trace_id(valid);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->high, 0x0123456789abcdefu);
  EXPECT_EQ(id->low, 0xabcdef0123456789u);
}

TEST(ExemplarSlot, EmptyUntilWritten) {
  detail::ExemplarSlot slot;
  EXPECT_FALSE(slot.load().has_value());
  slot.try_store(Exemplar{TraceId{1, 2}, 0.5, 42});
  const auto loaded = slot.load();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->trace_id, (TraceId{1, 2}));
  EXPECT_EQ(loaded->value, 0.5);
  EXPECT_EQ(loaded->timestamp_nanos, 42);
}

// Writers store exemplars whose fields all derive from one number; a reader that ever saw
// fields from two different writes would find them disagreeing.
TEST(ExemplarSlot, NeverReturnsATornExemplarUnderConcurrentWrites) {
  detail::ExemplarSlot slot;
  std::atomic<bool> stop{false};
  std::atomic<int> writers_started{0};
  std::vector<std::thread> writers;
  for (std::uint64_t writer = 1; writer <= 2; ++writer) {
    writers.emplace_back([&slot, &stop, &writers_started, writer] {
      bool counted = false;
      for (std::uint64_t n = writer << 40; !stop.load(std::memory_order_relaxed); ++n) {
        slot.try_store(Exemplar{TraceId{n, ~n}, static_cast<double>(n & 0xFFFFFFFF),
                                static_cast<std::int64_t>(n)});
        if (!counted) {
          counted = true;
          writers_started.fetch_add(1);
        }
        // Pausing now and then lets the reader's retries succeed mid-race even on a loaded
        // machine; a reader that keeps meeting writes gives up by design.
        if ((n & 0x3F) == 0) std::this_thread::yield();
      }
    });
  }
  // Race only once both writers are running: on a loaded machine the reads could
  // otherwise all happen before either thread is scheduled.
  const auto start_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (writers_started.load() < 2 && std::chrono::steady_clock::now() < start_deadline) {
    std::this_thread::yield();
  }
  int reads = 0;
  int torn_reads = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (int i = 0; i < 20'000 && std::chrono::steady_clock::now() < deadline; ++i) {
    if (const auto exemplar = slot.load()) {
      const std::uint64_t n = exemplar->trace_id.high;
      const bool consistent = exemplar->trace_id.low == ~n &&
                              exemplar->value == static_cast<double>(n & 0xFFFFFFFF) &&
                              exemplar->timestamp_nanos == static_cast<std::int64_t>(n);
      torn_reads += consistent ? 0 : 1;
      ++reads;
    }
  }
  stop = true;
  for (auto& writer : writers) {
    writer.join();
  }
  EXPECT_EQ(torn_reads, 0) << "out of " << reads << " reads during the race";
  // With the writers gone a read must succeed and be whole.
  const auto last = slot.load();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->trace_id.low, ~last->trace_id.high);
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
