#include "telemetry/trace/trace_context.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace glassbox::telemetry::trace {
namespace {

constexpr std::string_view kTraceIdHex = "12345678901234567890123456789012";

// Every valid example of the W3C Trace Context spec ("Examples of HTTP traceparent
// Headers", "Versioning of traceparent") and of its test suite (w3c/trace-context test.py).
TEST(TraceContext, AcceptsEveryValidSpecExample) {
  const struct {
    std::string_view header;
    std::string_view trace_id;
    std::uint64_t span_id;
    std::uint8_t flags;
  } cases[] = {
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
       "4bf92f3577b34da6a3ce929d0e0e4736", 0x00f067aa0ba902b7, 0x01},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
       "4bf92f3577b34da6a3ce929d0e0e4736", 0x00f067aa0ba902b7, 0x00},
      {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
       "0af7651916cd43dd8448eb211c80319c", 0xb7ad6b7169203331, 0x01},
      {"00-12345678901234567890123456789012-1234567890123456-01", kTraceIdHex, 0x1234567890123456,
       0x01},
      // Future versions: the first four fields are read; more fields may follow a dash.
      {"cc-12345678901234567890123456789012-1234567890123456-01", kTraceIdHex, 0x1234567890123456,
       0x01},
      {"cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
       kTraceIdHex, 0x1234567890123456, 0x01},
      {"01-12345678901234567890123456789012-1234567890123456-09-x", kTraceIdHex, 0x1234567890123456,
       0x09},
      // Optional whitespace around the value (test_traceparent_ows_handling).
      {" 00-12345678901234567890123456789012-1234567890123456-01", kTraceIdHex, 0x1234567890123456,
       0x01},
      {"\t00-12345678901234567890123456789012-1234567890123456-01", kTraceIdHex, 0x1234567890123456,
       0x01},
      {"00-12345678901234567890123456789012-1234567890123456-01 ", kTraceIdHex, 0x1234567890123456,
       0x01},
      {"00-12345678901234567890123456789012-1234567890123456-01\t", kTraceIdHex, 0x1234567890123456,
       0x01},
      {"\t 00-12345678901234567890123456789012-1234567890123456-01 \t", kTraceIdHex,
       0x1234567890123456, 0x01},
      // Unknown flags are read (and masked when sent on).
      {"00-12345678901234567890123456789012-1234567890123456-ff", kTraceIdHex, 0x1234567890123456,
       0xff},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.header));
    const auto context = parse_traceparent(c.header);
    ASSERT_TRUE(context.has_value());
    EXPECT_EQ(to_hex(context->trace_id), c.trace_id);
    EXPECT_EQ(context->span_id.value, c.span_id);
    EXPECT_EQ(context->trace_flags, c.flags);
    EXPECT_TRUE(context->remote);
    EXPECT_TRUE(context->trace_state.empty());
  }
}

// Every invalid form the spec and its test suite list: each must start a new trace.
TEST(TraceContext, RefusesEveryInvalidSpecExample) {
  const std::string_view cases[] = {
      "",
      "00",
      // version ff is forbidden
      "ff-12345678901234567890123456789012-1234567890123456-01",
      // version: illegal characters, too long, too short, upper case
      ".0-12345678901234567890123456789012-1234567890123456-01",
      "0.-12345678901234567890123456789012-1234567890123456-01",
      "000-12345678901234567890123456789012-1234567890123456-01",
      "0000-12345678901234567890123456789012-1234567890123456-01",
      "0-12345678901234567890123456789012-1234567890123456-01",
      "CC-12345678901234567890123456789012-1234567890123456-01",
      // version 00 with anything after the flags
      "00-12345678901234567890123456789012-1234567890123456-01.",
      "00-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
      // a future version whose flags are not followed by a dash
      "cc-12345678901234567890123456789012-1234567890123456-01.what-the-future-will-be-like",
      // trace-id: all zero, illegal characters, too long, too short, upper case
      "00-00000000000000000000000000000000-1234567890123456-01",
      "00-.2345678901234567890123456789012-1234567890123456-01",
      "00-1234567890123456789012345678901.-1234567890123456-01",
      "00-123456789012345678901234567890123-1234567890123456-01",
      "00-1234567890123456789012345678901-1234567890123456-01",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      // parent-id: all zero, illegal characters, too long, too short, upper case
      "00-12345678901234567890123456789012-0000000000000000-01",
      "00-12345678901234567890123456789012-.234567890123456-01",
      "00-12345678901234567890123456789012-123456789012345.-01",
      "00-12345678901234567890123456789012-12345678901234567-01",
      "00-12345678901234567890123456789012-123456789012345-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
      // trace-flags: illegal characters, too long, too short, upper case
      "00-12345678901234567890123456789012-1234567890123456-.0",
      "00-12345678901234567890123456789012-1234567890123456-0.",
      "00-12345678901234567890123456789012-1234567890123456-001",
      "00-12345678901234567890123456789012-1234567890123456-1",
      "00-12345678901234567890123456789012-1234567890123456-0A",
      // wrong delimiters
      "00_12345678901234567890123456789012-1234567890123456-01",
      "00-12345678901234567890123456789012_1234567890123456-01",
      "00-12345678901234567890123456789012-1234567890123456_01",
      // a future version shorter than 55 characters
      "cc-12345678901234567890123456789012-1234567890123456-1",
  };
  for (const std::string_view header : cases) {
    EXPECT_FALSE(parse_traceparent(header).has_value()) << '"' << header << '"';
  }
}

TEST(TraceContext, FormatsVersion00WithOnlyTheSampledFlag) {
  auto context = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-x");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(format_traceparent(*context),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  context->trace_flags = 0x08;
  EXPECT_EQ(format_traceparent(*context),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
}

TEST(TraceContext, FormattedValueParsesBackToTheSameIds) {
  SpanContext context;
  context.trace_id = TraceId{0x0102030405060708, 0x090a0b0c0d0e0f10};
  context.span_id = SpanId{0xfedcba9876543210};
  context.trace_flags = kSampledFlag;
  const auto parsed = parse_traceparent(format_traceparent(context));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, context.trace_id);
  EXPECT_EQ(parsed->span_id, context.span_id);
  EXPECT_TRUE(parsed->sampled());
}

TEST(TraceContext, ExtractKeepsAValidTracestateAndDropsABadOne) {
  const std::string_view header = "00-12345678901234567890123456789012-1234567890123456-00";
  const auto kept = extract_context(header, "foo=1 , bar=2");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->trace_state, "foo=1,bar=2");
  const auto dropped = extract_context(header, "foo=1,foo=2");
  ASSERT_TRUE(dropped.has_value());  // a bad tracestate never invalidates the traceparent
  EXPECT_EQ(dropped->trace_state, "");
  EXPECT_FALSE(extract_context("garbage", "foo=1").has_value());
}

TEST(TraceContext, AnEmptyContextIsInvalidAndNotSampled) {
  const SpanContext context;
  EXPECT_FALSE(context.valid());
  EXPECT_FALSE(context.sampled());
}

}  // namespace
}  // namespace glassbox::telemetry::trace
