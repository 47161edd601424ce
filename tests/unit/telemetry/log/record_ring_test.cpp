#include "telemetry/log/record_ring.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace glassbox::telemetry::log {
namespace {

using Status = RecordRing::Status;

bool push(RecordRing& ring, std::string_view text, std::uint8_t tag = 1) {
  const RecordRing::Reservation reservation = ring.reserve(text.size());
  if (reservation.status != Status::kReserved) return false;
  std::memcpy(reservation.payload, text.data(), text.size());
  ring.commit(reservation, tag);
  return true;
}

// Reads every committed record and gives its room back.
std::vector<std::string> drain(RecordRing& ring) {
  std::vector<std::string> texts;
  RecordRing::Entry entry;
  while (ring.peek(entry)) {
    texts.emplace_back(entry.payload, entry.size);
    ring.advance(entry);
  }
  ring.release();
  return texts;
}

TEST(RecordRing, CapacityIsRoundedUpToAPowerOfTwo) {
  EXPECT_EQ(RecordRing(5000).capacity(), 8192U);
  EXPECT_EQ(RecordRing(1).capacity(), 4096U);
  EXPECT_EQ(RecordRing(8192).capacity(), 8192U);
}

TEST(RecordRing, RecordsComeOutInOrderWithTheirTags) {
  RecordRing ring(4096);
  ASSERT_TRUE(push(ring, "first", 1));
  ASSERT_TRUE(push(ring, "", 2));
  ASSERT_TRUE(push(ring, "third!!!", 3));
  std::vector<std::uint8_t> tags;
  std::vector<std::string> texts;
  RecordRing::Entry entry;
  while (ring.peek(entry)) {
    tags.push_back(entry.tag);
    texts.emplace_back(entry.payload, entry.size);
    ring.advance(entry);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"first", "", "third!!!"}));
  EXPECT_EQ(tags, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_TRUE(ring.release());
  EXPECT_FALSE(ring.release());
  EXPECT_TRUE(ring.fully_read());
}

TEST(RecordRing, ReservedRecordHoldsBackTheOthersUntilCommitted) {
  RecordRing ring(4096);
  const RecordRing::Reservation first = ring.reserve(3);
  ASSERT_EQ(first.status, Status::kReserved);
  ASSERT_TRUE(push(ring, "second"));
  RecordRing::Entry entry;
  EXPECT_FALSE(ring.has_committed());
  EXPECT_FALSE(ring.peek(entry));
  std::memcpy(first.payload, "one", 3);
  ring.commit(first, 7);
  EXPECT_TRUE(ring.has_committed());
  EXPECT_EQ(drain(ring), (std::vector<std::string>{"one", "second"}));
}

TEST(RecordRing, FullRingRefusesAtOnceAndTakesRecordsAgainOnceReleased) {
  RecordRing ring(4096);
  const std::string record(100, 'x');  // 112 bytes with its header
  int accepted = 0;
  while (push(ring, record))
    ++accepted;
  EXPECT_EQ(accepted, 4096 / 112);
  EXPECT_EQ(ring.reserve(record.size()).status, Status::kFull);
  RecordRing::Entry entry;
  ASSERT_TRUE(ring.peek(entry));
  ring.advance(entry);
  EXPECT_EQ(ring.reserve(record.size()).status, Status::kFull);  // read, not yet released
  ring.release();
  EXPECT_TRUE(push(ring, record));
}

TEST(RecordRing, RecordOverHalfTheCapacityIsTooLarge) {
  RecordRing ring(4096);
  EXPECT_EQ(ring.max_payload(), 2048U - 8U);
  EXPECT_EQ(ring.reserve(ring.max_payload() + 1).status, Status::kTooLarge);
  EXPECT_EQ(ring.reserve(ring.max_payload()).status, Status::kReserved);
}

// A record that does not fit before the end of the ring starts at its beginning instead:
// its payload is one contiguous run.
TEST(RecordRing, WrapsWithoutSplittingARecord) {
  RecordRing ring(8192);
  const std::string filler(4000, 'f');
  ASSERT_TRUE(push(ring, filler));
  ASSERT_TRUE(push(ring, filler));
  ASSERT_EQ(drain(ring).size(), 2U);
  const std::string wrapped(1000, 'w');
  const RecordRing::Reservation reservation = ring.reserve(wrapped.size());
  ASSERT_EQ(reservation.status, Status::kReserved);
  EXPECT_EQ(reservation.position, 8192U);  // after 2 x 4008 bytes, padding to the end
  std::memcpy(reservation.payload, wrapped.data(), wrapped.size());
  ring.commit(reservation, 1);
  EXPECT_EQ(drain(ring), std::vector<std::string>{wrapped});
  EXPECT_EQ(ring.read_position(), 8192U + 1008U);
}

TEST(RecordRing, ManyLapsKeepEveryRecordIntact) {
  RecordRing ring(4096);
  for (int i = 0; i < 2000; ++i) {
    const std::string text(static_cast<std::size_t>(i % 700), static_cast<char>('a' + i % 26));
    ASSERT_TRUE(push(ring, text)) << i;
    if (i % 3 == 2 || i == 1999) {
      for (const std::string& read : drain(ring))
        ASSERT_TRUE(read.empty() || read.find_first_not_of(read[0]) == std::string::npos);
    }
  }
  EXPECT_TRUE(ring.fully_read());
}

TEST(RecordRing, ClosedRingRefusesNewRecordsButKeepsReservedOnes) {
  RecordRing ring(4096);
  ASSERT_TRUE(push(ring, "before"));
  ring.close();
  EXPECT_TRUE(ring.closed());
  EXPECT_EQ(ring.reserve(1).status, Status::kClosed);
  EXPECT_EQ(drain(ring), std::vector<std::string>{"before"});
  EXPECT_TRUE(ring.fully_read());
}

// Producers that retry when the ring is full lose nothing: every record arrives once,
// each producer's in its order.
TEST(RecordRing, ManyProducersOneConsumerEveryRecordOnceInProducerOrder) {
  constexpr int kProducers = 4;
  constexpr std::uint32_t kPerProducer = 20000;
  RecordRing ring(8192);
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&ring, p] {
      for (std::uint32_t i = 0; i < kPerProducer;) {
        const RecordRing::Reservation reservation = ring.reserve(8 + i % 40);
        if (reservation.status != Status::kReserved) {
          std::this_thread::yield();
          continue;
        }
        std::memcpy(reservation.payload, &i, sizeof(i));
        std::memset(reservation.payload + sizeof(i), 'p', reservation.size - sizeof(i));
        ring.commit(reservation, static_cast<std::uint8_t>(p));
        ++i;
      }
    });
  }
  std::vector<std::uint32_t> next(kProducers, 0);
  std::uint64_t received = 0;
  while (received < kProducers * std::uint64_t{kPerProducer}) {
    RecordRing::Entry entry;
    while (ring.peek(entry)) {
      std::uint32_t sequence = 0;
      std::memcpy(&sequence, entry.payload, sizeof(sequence));
      ASSERT_LT(entry.tag, kProducers);
      ASSERT_EQ(sequence, next[entry.tag]);
      ASSERT_EQ(entry.size, 8 + sequence % 40);
      ++next[entry.tag];
      ++received;
      ring.advance(entry);
    }
    if (!ring.release()) std::this_thread::yield();
  }
  for (std::thread& producer : producers)
    producer.join();
  EXPECT_TRUE(ring.fully_read());
}

}  // namespace
}  // namespace glassbox::telemetry::log
