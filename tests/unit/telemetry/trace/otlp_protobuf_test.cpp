#include "telemetry/trace/otlp_protobuf.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "decode_raw.hpp"
#include "span_fixtures.hpp"

namespace glassbox::telemetry::trace {
namespace {

using testing::RawField;

// Field numbers as opentelemetry-proto defines them, spelled out again here so the test
// does not trust the encoder's own constants.
Resource test_resource() {
  ResourceOptions options;
  options.service_name = "glassbox";
  options.service_version = "1.2.3";
  options.service_instance_id = "instance-1";
  options.host_name = "host-a";
  options.extra_attributes = {{"deployment.environment", "test"}};
  return make_resource(options);
}

std::string fixed64(std::uint64_t value) {
  char text[32];
  std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string big_endian(std::uint64_t value) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(value >> shift));
  return out;
}

// KeyValue { key = 1; AnyValue value = 2 }; AnyValue { string_value = 1; bool_value = 2;
// int_value = 3; double_value = 4 }.
void expect_key_value(const RawField& key_value, const std::string& key, int value_field,
                      const std::string& printed) {
  SCOPED_TRACE(key);
  EXPECT_EQ(key_value.at(1).bytes, key);
  const RawField& any = key_value.at(2);
  ASSERT_EQ(any.count(value_field), 1u);
  const RawField& value = any.at(value_field);
  EXPECT_EQ(value.is_string ? value.bytes : value.value, printed);
}

class OtlpProtobuf : public ::testing::Test {
 protected:
  RawField encode_and_decode() {
    std::vector<std::unique_ptr<SpanData>> spans;
    spans.push_back(testing::sample_server_span());
    spans.push_back(testing::sample_root_span());
    OtlpProtobufEncoder encoder(test_resource(), "1.2.3");
    std::string bytes;
    encoder.encode(spans, bytes);
    return testing::decode_raw(bytes);
  }
};

TEST_F(OtlpProtobuf, RequestHoldsOneResourceSpansWithResourceAndScope) {
  const RawField request = encode_and_decode();
  ASSERT_EQ(request.count(1), 1u);  // ExportTraceServiceRequest.resource_spans = 1
  const RawField& resource_spans = request.at(1);
  ASSERT_EQ(resource_spans.count(1), 1u);  // ResourceSpans.resource = 1
  ASSERT_EQ(resource_spans.count(2), 1u);  // ResourceSpans.scope_spans = 2
  EXPECT_EQ(resource_spans.count(3), 0u);  // no schema_url

  const RawField& resource = resource_spans.at(1);  // Resource.attributes = 1
  ASSERT_EQ(resource.count(1), 8u);
  expect_key_value(resource.at(1, 0), "service.name", 1, "glassbox");
  expect_key_value(resource.at(1, 1), "service.version", 1, "1.2.3");
  expect_key_value(resource.at(1, 2), "service.instance.id", 1, "instance-1");
  expect_key_value(resource.at(1, 3), "host.name", 1, "host-a");
  expect_key_value(resource.at(1, 4), "telemetry.sdk.language", 1, "cpp");
  expect_key_value(resource.at(1, 5), "telemetry.sdk.name", 1, "glassbox");
  expect_key_value(resource.at(1, 6), "telemetry.sdk.version", 1, "1.2.3");
  expect_key_value(resource.at(1, 7), "deployment.environment", 1, "test");

  const RawField& scope_spans = resource_spans.at(2);
  ASSERT_EQ(scope_spans.count(1), 1u);                   // ScopeSpans.scope = 1
  EXPECT_EQ(scope_spans.at(1).at(1).bytes, "glassbox");  // InstrumentationScope.name = 1
  EXPECT_EQ(scope_spans.at(1).at(2).bytes, "1.2.3");     // InstrumentationScope.version = 2
  EXPECT_EQ(scope_spans.count(2), 2u);                   // ScopeSpans.spans = 2
}

TEST_F(OtlpProtobuf, ServerSpanCarriesEveryFieldWithItsOtlpNumber) {
  const RawField request = encode_and_decode();
  const RawField& span = request.at(1).at(2).at(2, 0);
  EXPECT_EQ(span.at(1).bytes, big_endian(0x4bf92f3577b34da6) + big_endian(0xa3ce929d0e0e4736));
  EXPECT_EQ(span.at(2).bytes, big_endian(0x00f067aa0ba902b7));
  EXPECT_EQ(span.at(3).bytes, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");  // trace_state
  EXPECT_EQ(span.at(4).bytes, big_endian(0xb7ad6b7169203331));             // parent_span_id
  EXPECT_EQ(span.at(5).bytes, "GET /api/users/{id}");                      // name
  EXPECT_EQ(span.at(6).value, "2");                                        // SPAN_KIND_SERVER
  EXPECT_EQ(span.at(7).value, fixed64(1700000000123456789ULL));            // start_time_unix_nano
  EXPECT_EQ(span.at(8).value, fixed64(1700000000223456789ULL));            // end_time_unix_nano
  ASSERT_EQ(span.count(9), 5u);                                            // attributes
  expect_key_value(span.at(9, 0), "http.request.method", 1, "GET");
  expect_key_value(span.at(9, 1), "http.response.status_code", 3, "503");
  expect_key_value(span.at(9, 2), "compute.negative", 3, "18446744073709551614");  // -2
  expect_key_value(span.at(9, 3), "sample.ratio", 4, fixed64(std::bit_cast<std::uint64_t>(0.25)));
  expect_key_value(span.at(9, 4), "sample.flag", 2, "0");  // a oneof member is sent when false
  EXPECT_EQ(span.count(10), 0u);                           // nothing dropped
  const RawField& status = span.at(15);
  EXPECT_EQ(status.at(2).bytes, "upstream \"db\" unavailable");  // Status.message = 2
  EXPECT_EQ(status.at(3).value, "2");                            // STATUS_CODE_ERROR
  // flags (fixed32): sampled | has-is-remote | is-remote
  EXPECT_EQ(span.at(16).value, "0x00000301");
}

TEST_F(OtlpProtobuf, RootSpanLeavesOptionalFieldsOut) {
  const RawField request = encode_and_decode();
  const RawField& span = request.at(1).at(2).at(2, 1);
  EXPECT_EQ(span.at(5).bytes, "fibonacci");
  EXPECT_EQ(span.at(6).value, "1");  // SPAN_KIND_INTERNAL
  EXPECT_EQ(span.at(7).value, fixed64(5));
  EXPECT_EQ(span.at(8).value, fixed64(7));
  for (const int absent : {3, 4, 9, 10, 15})
    EXPECT_EQ(span.count(absent), 0u) << absent;
  EXPECT_EQ(span.at(16).value, "0x00000101");
}

TEST_F(OtlpProtobuf, AReplacedAttributeIsSentOnceAndNoScopeVersionIsLeftOut) {
  auto span = testing::sample_root_span();
  for (int i = 0; i < 3; ++i)
    span->attributes.set("k", i);  // same key: replaced, not dropped
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(std::move(span));
  OtlpProtobufEncoder encoder(test_resource(), "");
  std::string bytes;
  encoder.encode(spans, bytes);
  const RawField decoded = testing::decode_raw(bytes);
  EXPECT_EQ(decoded.at(1).at(2).count(1), 1u);
  EXPECT_EQ(decoded.at(1).at(2).at(1).count(2), 0u);  // no scope version given
  EXPECT_EQ(decoded.at(1).at(2).at(2).count(9), 1u);
}

TEST_F(OtlpProtobuf, AnEmptyBatchIsAnEmptyMessage) {
  OtlpProtobufEncoder encoder(test_resource(), "1.2.3");
  std::string bytes = "stale";
  encoder.encode({}, bytes);
  EXPECT_TRUE(bytes.empty());
}

TEST_F(OtlpProtobuf, ReusingTheEncoderGivesTheSameBytes) {
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(testing::sample_server_span());
  OtlpProtobufEncoder encoder(test_resource(), "1.2.3");
  std::string first;
  std::string second;
  encoder.encode(spans, first);
  encoder.encode(spans, second);
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace glassbox::telemetry::trace
