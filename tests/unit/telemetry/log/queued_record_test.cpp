#include "telemetry/log/queued_record.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "log_test_support.hpp"

namespace glassbox::telemetry::log {
namespace {

// What the writer thread makes of a queued record equals formatting it directly.
std::string round_trip(QueuedKind kind, std::size_t size, auto encode) {
  RecordRing ring(1 << 16);
  const RecordRing::Reservation reservation = ring.reserve(size);
  EXPECT_EQ(reservation.status, RecordRing::Status::kReserved);
  encode(reservation.payload);
  ring.commit(reservation, static_cast<std::uint8_t>(kind));
  RecordRing::Entry entry;
  EXPECT_TRUE(ring.peek(entry));
  std::string out;
  TimestampCache timestamps;
  append_queued_record(out, entry, "glassbox", timestamps);
  return out;
}

TEST(QueuedRecord, AccessRecordComesBackAsItsLine) {
  const std::string agent = "Mozilla/5.0 \"quoted\"\n";
  const AccessRecord record{.method = "POST",
                            .endpoint = "/api/users",
                            .route = "/api/users",
                            .status_code = 422,
                            .duration_ms = 1.5,
                            .client_address = "[::1]:5555",
                            .user_agent = agent,
                            .response_size = 1234567,
                            .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                            .span_id = "00f067aa0ba902b7"};
  const std::string line =
      round_trip(QueuedKind::kAccess, access_payload_size(record),
                 [&](char* out) { encode_access(out, testing::kFixedMillis, record); });
  std::string expected;
  append_access_record(expected, "2026-11-23T19:02:49.123Z", "glassbox", record);
  EXPECT_EQ(line, expected + "\n");
}

TEST(QueuedRecord, EmptyAccessFieldsSurvive) {
  const AccessRecord record{};
  const std::string line = round_trip(QueuedKind::kAccess, access_payload_size(record),
                                      [&](char* out) { encode_access(out, 0, record); });
  std::string expected;
  append_access_record(expected, "1970-01-01T00:00:00.000Z", "glassbox", record);
  EXPECT_EQ(line, expected + "\n");
}

TEST(QueuedRecord, BodyRecordGetsItsTimestamp) {
  std::string body;
  append_record_body(body, Level::kInfo, "glassbox", "app", "Starting", {{"port", 8080}});
  const std::string line = round_trip(QueuedKind::kBody, body_payload_size(body), [&](char* out) {
    encode_body(out, testing::kFixedMillis, body);
  });
  EXPECT_EQ(line, format_record("2026-11-23T19:02:49.123Z", Level::kInfo, "glassbox", "app",
                                "Starting", {{"port", 8080}}) +
                      "\n");
}

}  // namespace
}  // namespace glassbox::telemetry::log
