#include "telemetry/trace/attributes.hpp"

#include <gtest/gtest.h>

#include <string>

namespace glassbox::telemetry::trace {
namespace {

TEST(SpanAttributes, KeepsEveryTypeInTheOrderSet) {
  AttributeList attributes;
  const std::string path = "/api/users/42";
  attributes.set("url.path", path);
  attributes.set("http.response.status_code", 200);
  attributes.set("server.port", std::uint16_t{8080});
  attributes.set("compute.ratio", 0.5);
  attributes.set("error", true);
  attributes.set("literal", "text");  // a C string is a string, never a bool
  ASSERT_EQ(attributes.size(), 6u);
  EXPECT_EQ(attributes[0].key, "url.path");
  EXPECT_EQ(std::get<std::string_view>(attributes[0].value), "/api/users/42");
  EXPECT_EQ(std::get<std::int64_t>(attributes[1].value), 200);
  EXPECT_EQ(std::get<std::int64_t>(attributes[2].value), 8080);
  EXPECT_EQ(std::get<double>(attributes[3].value), 0.5);
  EXPECT_EQ(std::get<bool>(attributes[4].value), true);
  EXPECT_EQ(std::get<std::string_view>(attributes[5].value), "text");
}

TEST(SpanAttributes, CopiesStringValues) {
  AttributeList attributes;
  {
    std::string temporary = "a value that outlives nothing but the list";
    attributes.set("user_agent.original", temporary);
    temporary.assign(temporary.size(), 'x');
  }
  EXPECT_EQ(std::get<std::string_view>(*attributes.find("user_agent.original")),
            "a value that outlives nothing but the list");
}

TEST(SpanAttributes, SettingAKeyAgainReplacesItsValueAndType) {
  AttributeList attributes;
  attributes.set("k", "first");
  attributes.set("k", std::int64_t{7});
  attributes.set("other", "x");
  attributes.set("k", "last");
  ASSERT_EQ(attributes.size(), 2u);
  EXPECT_EQ(std::get<std::string_view>(*attributes.find("k")), "last");
  EXPECT_EQ(std::get<std::string_view>(*attributes.find("other")), "x");
  EXPECT_FALSE(attributes.find("missing").has_value());
}

TEST(SpanAttributes, SettingEachOfASpansKeysAgainReplacesItsValue) {
  // A SERVER span's keys: many share a length, a middle or a last character.
  AttributeList attributes;
  auto set_all = [&attributes](std::int64_t value) {
    attributes.set("http.request.method", value);
    attributes.set("url.path", value);
    attributes.set("url.scheme", value);
    attributes.set("url.query", value);
    attributes.set("http.route", value);
    attributes.set("server.address", value);
    attributes.set("server.port", value);
    attributes.set("client.address", value);
    attributes.set("client.port", value);
    attributes.set("network.peer.address", value);
    attributes.set("network.peer.port", value);
    attributes.set("network.protocol.version", value);
    attributes.set("user_agent.original", value);
    attributes.set("http.response.status_code", value);
    attributes.set("error.type", value);
  };
  set_all(1);
  set_all(2);
  ASSERT_EQ(attributes.size(), 15u);
  for (std::size_t i = 0; i < attributes.size(); ++i)
    EXPECT_EQ(std::get<std::int64_t>(attributes[i].value), 2) << attributes[i].key;
}

TEST(SpanAttributes, ForEachVisitsWhatIndexingReadsInOrderWithItsType) {
  AttributeList attributes;
  attributes.set("s", "text");
  attributes.set("i", -3);
  attributes.set("d", 0.25);
  attributes.set("b", true);
  std::size_t index = 0;
  attributes.for_each([&](std::string_view key, auto value) {
    ASSERT_LT(index, attributes.size());
    const AttributeView expected = attributes[index++];
    EXPECT_EQ(key, expected.key);
    EXPECT_EQ(AttributeValue(value), expected.value) << key;
  });
  EXPECT_EQ(index, 4u);
}

// Keys must be literals; adjacent literals concatenate, so these make distinct keys.
// clang-format 14 does not settle on one layout for these macros.
// clang-format off
#define GLASSBOX_SET1(prefix) attributes.set(prefix, 1);
#define GLASSBOX_SET10(p) \
  GLASSBOX_SET1(p "0") GLASSBOX_SET1(p "1") GLASSBOX_SET1(p "2") GLASSBOX_SET1(p "3") \
  GLASSBOX_SET1(p "4") GLASSBOX_SET1(p "5") GLASSBOX_SET1(p "6") GLASSBOX_SET1(p "7") \
  GLASSBOX_SET1(p "8") GLASSBOX_SET1(p "9")
#define GLASSBOX_SET100(p) \
  GLASSBOX_SET10(p "0") GLASSBOX_SET10(p "1") GLASSBOX_SET10(p "2") GLASSBOX_SET10(p "3") \
  GLASSBOX_SET10(p "4") GLASSBOX_SET10(p "5") GLASSBOX_SET10(p "6") GLASSBOX_SET10(p "7") \
  GLASSBOX_SET10(p "8") GLASSBOX_SET10(p "9")
// clang-format on

TEST(SpanAttributes, GrowsPastTheInlineCapacityThenDropsAndCounts) {
  AttributeList attributes;
  GLASSBOX_SET10("a")
  GLASSBOX_SET10("b")
  ASSERT_EQ(attributes.size(), 20u);  // past the 16 kept inline
  EXPECT_EQ(attributes[19].key, "b9");
  EXPECT_EQ(std::get<std::int64_t>(attributes[17].value), 1);
  EXPECT_EQ(attributes.dropped(), 0u);
  GLASSBOX_SET100("c")
  GLASSBOX_SET10("d")
  EXPECT_EQ(attributes.size(), AttributeList::kMaxAttributes);
  EXPECT_EQ(attributes.dropped(), 130u - AttributeList::kMaxAttributes);
  attributes.set("a0", 2);  // an existing key can still change
  EXPECT_EQ(std::get<std::int64_t>(*attributes.find("a0")), 2);
}

TEST(SpanAttributes, ClearForgetsEveryAttributeAndTheDroppedCount) {
  AttributeList attributes;
  GLASSBOX_SET100("a")
  GLASSBOX_SET100("b")
  attributes.set("url.path", "/api/users/1");
  ASSERT_GT(attributes.dropped(), 0u);
  attributes.clear();
  EXPECT_TRUE(attributes.empty());
  EXPECT_EQ(attributes.dropped(), 0u);
  EXPECT_FALSE(attributes.find("a0").has_value());
  attributes.set("url.path", "/health");  // reused: the new value, nothing of the old
  ASSERT_EQ(attributes.size(), 1u);
  EXPECT_EQ(std::get<std::string_view>(attributes[0].value), "/health");
}

#undef GLASSBOX_SET100
#undef GLASSBOX_SET10
#undef GLASSBOX_SET1

}  // namespace
}  // namespace glassbox::telemetry::trace
