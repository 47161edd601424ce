#include "telemetry/trace/ids.hpp"

#include <gtest/gtest.h>

#include <set>

#include "telemetry/trace/random_ids.hpp"

namespace glassbox::telemetry::trace {
namespace {

TEST(TraceIds, HexIsLowercaseAndBigEndian) {
  const TraceId trace{0x4bf92f3577b34da6, 0xa3ce929d0e0e4736};
  EXPECT_EQ(to_hex(trace), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(to_hex(SpanId{0x00f067aa0ba902b7}), "00f067aa0ba902b7");
  std::string bytes;
  append_bytes(bytes, SpanId{0x0102030405060708});
  EXPECT_EQ(bytes, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
}

TEST(TraceIds, ParsesOnlyLowercaseHexOfTheExactLength) {
  EXPECT_EQ(parse_trace_id_hex("4bf92f3577b34da6a3ce929d0e0e4736"),
            (TraceId{0x4bf92f3577b34da6, 0xa3ce929d0e0e4736}));
  EXPECT_FALSE(parse_trace_id_hex("4BF92F3577B34DA6A3CE929D0E0E4736"));
  EXPECT_FALSE(parse_trace_id_hex("4bf92f3577b34da6a3ce929d0e0e473"));
  EXPECT_FALSE(parse_trace_id_hex("4bf92f3577b34da6a3ce929d0e0e4736a"));
  EXPECT_FALSE(parse_trace_id_hex("4bf92f3577b34da6a3ce929d0e0e473g"));
  EXPECT_EQ(parse_span_id_hex("00f067aa0ba902b7"), SpanId{0x00f067aa0ba902b7});
  EXPECT_FALSE(parse_span_id_hex("00f067aa0ba902b"));
  EXPECT_FALSE(parse_span_id_hex("00F067AA0BA902B7"));
  EXPECT_FALSE(parse_span_id_hex("0x0067aa0ba902b7"));
  EXPECT_FALSE(parse_span_id_hex("0000000000000000")->valid());
}

TEST(TraceIds, RandomIdsAreValidAndDistinct) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const TraceId trace = random_trace_id();
    const SpanId span = random_span_id();
    EXPECT_TRUE(trace.valid());
    EXPECT_TRUE(span.valid());
    seen.insert(span.value);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace glassbox::telemetry::trace
