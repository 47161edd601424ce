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
