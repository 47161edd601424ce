#include "telemetry/trace/otlp_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "span_fixtures.hpp"

namespace glassbox::telemetry::trace {
namespace {

namespace json = boost::json;

Resource test_resource() {
  ResourceOptions options;
  options.service_version = "1.2.3";
  options.service_instance_id = "instance-1";
  options.host_name = "host-a";
  return make_resource(options);
}

json::value encode(std::vector<std::unique_ptr<SpanData>> spans) {
  const OtlpJsonEncoder encoder(test_resource(), "1.2.3");
  std::string text;
  encoder.encode(spans, text);
  return json::parse(text);  // throws on invalid JSON
}

json::value encode_sample() {
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(testing::sample_server_span());
  spans.push_back(testing::sample_root_span());
  return encode(std::move(spans));
}

const json::value& attribute_value(const json::array& attributes, std::string_view key) {
  for (const auto& attribute : attributes) {
    if (attribute.at("key").as_string() == key) return attribute.at("value");
  }
  throw std::out_of_range(std::string(key));
}

TEST(OtlpJson, UsesLowerCamelCaseNamesForTheEnvelope) {
  const json::value request = encode_sample();
  const auto& resource_spans = request.at("resourceSpans").as_array();
  ASSERT_EQ(resource_spans.size(), 1u);
  const auto& resource = resource_spans[0].at("resource").at("attributes").as_array();
  EXPECT_EQ(attribute_value(resource, "service.name").at("stringValue"), "glassbox");
  EXPECT_EQ(attribute_value(resource, "telemetry.sdk.language").at("stringValue"), "cpp");
  EXPECT_EQ(attribute_value(resource, "host.name").at("stringValue"), "host-a");
  const auto& scope_spans = resource_spans[0].at("scopeSpans").as_array();
  ASSERT_EQ(scope_spans.size(), 1u);
  EXPECT_EQ(scope_spans[0].at("scope").at("name"), "glassbox");
  EXPECT_EQ(scope_spans[0].at("scope").at("version"), "1.2.3");
  EXPECT_EQ(scope_spans[0].at("spans").as_array().size(), 2u);
}

TEST(OtlpJson, WritesIdsAsHexEnumsAsIntegersAndInt64AsStrings) {
  const json::value request = encode_sample();
  const auto& span = request.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0);
  EXPECT_EQ(span.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(span.at("spanId"), "00f067aa0ba902b7");
  EXPECT_EQ(span.at("parentSpanId"), "b7ad6b7169203331");
  EXPECT_EQ(span.at("traceState"), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_EQ(span.at("name"), "GET /api/users/{id}");
  EXPECT_EQ(span.at("kind").as_int64(), 2);  // SPAN_KIND_SERVER, an integer
  EXPECT_EQ(span.at("flags").as_int64(), 0x301);
  EXPECT_EQ(span.at("startTimeUnixNano"), "1700000000123456789");  // fixed64: a string
  EXPECT_EQ(span.at("endTimeUnixNano"), "1700000000223456789");
  const auto& attributes = span.at("attributes").as_array();
  EXPECT_EQ(attribute_value(attributes, "http.request.method").at("stringValue"), "GET");
  EXPECT_EQ(attribute_value(attributes, "http.response.status_code").at("intValue"), "503");
  EXPECT_EQ(attribute_value(attributes, "compute.negative").at("intValue"), "-2");
  EXPECT_EQ(attribute_value(attributes, "sample.ratio").at("doubleValue").as_double(), 0.25);
  EXPECT_EQ(attribute_value(attributes, "sample.flag").at("boolValue").as_bool(), false);
  EXPECT_EQ(span.at("status").at("code").as_int64(), 2);  // STATUS_CODE_ERROR
  EXPECT_EQ(span.at("status").at("message"), "upstream \"db\" unavailable");
  EXPECT_FALSE(span.as_object().contains("droppedAttributesCount"));
}

TEST(OtlpJson, LeavesDefaultFieldsOutOfARootSpan) {
  const json::value request = encode_sample();
  const auto& span =
      request.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(1).as_object();
  for (const char* absent : {"parentSpanId", "traceState", "attributes", "status"}) {
    EXPECT_FALSE(span.contains(absent)) << absent;
  }
  EXPECT_EQ(span.at("kind").as_int64(), 1);
  EXPECT_EQ(span.at("flags").as_int64(), 0x101);
}

TEST(OtlpJson, StaysValidJsonWhateverBytesASpanHolds) {
  auto span = testing::sample_root_span();
  span->name = std::string("bad\xff\xfe name \x01\n\"quoted\"\\", 22);
  span->attributes.set("user_agent.original", std::string("\x7f\xc3\x28 agent\r\n", 11));
  span->attributes.set("nan", std::numeric_limits<double>::quiet_NaN());
  span->attributes.set("inf", -std::numeric_limits<double>::infinity());
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(std::move(span));
  const json::value request = encode(std::move(spans));
  const auto& decoded = request.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0);
  const auto& attributes = decoded.at("attributes").as_array();
  EXPECT_EQ(attribute_value(attributes, "nan").at("doubleValue"), "NaN");
  EXPECT_EQ(attribute_value(attributes, "inf").at("doubleValue"), "-Infinity");
  EXPECT_NE(decoded.at("name").as_string().find("\"quoted\""), json::string::npos);
}

TEST(OtlpJson, AnEmptyBatchHasNoResourceSpans) {
  const json::value request = encode({});
  EXPECT_TRUE(request.at("resourceSpans").as_array().empty());
}

TEST(OtlpJson, TheConsoleFormIsOneSpanObject) {
  std::string line;
  append_otlp_json_span(line, *testing::sample_root_span());
  const json::value span = json::parse(line);
  EXPECT_EQ(span.at("name"), "fibonacci");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace glassbox::telemetry::trace
