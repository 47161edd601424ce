#include "telemetry/log/json_escape.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <random>

namespace glassbox::telemetry::log {
namespace {

std::string escaped(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(escaped("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(escaped("line\nbreak\r\t"), R"("line\nbreak\r\t")");
  EXPECT_EQ(escaped(std::string_view("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(escaped(std::string_view("nul\0byte", 8)), R"("nul\u0000byte")");
}

TEST(JsonEscape, KeepsValidUtf8) {
  EXPECT_EQ(escaped("h\xC3\xA9llo \xF0\x9F\x98\x80"), "\"h\xC3\xA9llo \xF0\x9F\x98\x80\"");
}

TEST(JsonEscape, ReplacesInvalidUtf8) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(escaped("\xFF"), "\"" + replacement + "\"");
  EXPECT_EQ(escaped("\xC0\xAF"), "\"" + replacement + replacement + "\"");  // overlong '/'
  EXPECT_EQ(escaped("\xED\xA0\x80"), "\"" + replacement + replacement + replacement + "\"");
  EXPECT_EQ(escaped("\xE2\x82"), "\"" + replacement + replacement + "\"");  // truncated
}

// Whatever bytes go in, one valid JSON string comes out, with no raw newline in it.
TEST(JsonEscape, RandomBytesAlwaysGiveOneValidJsonString) {
  std::mt19937 random(20261123);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 64);
  for (int round = 0; round < 5000; ++round) {
    std::string input(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : input)
      c = static_cast<char>(byte(random));
    const std::string output = escaped(input);
    ASSERT_EQ(output.find('\n'), std::string::npos);
    boost::system::error_code error;
    const auto value = boost::json::parse(output, error);
    ASSERT_FALSE(error) << "round " << round;
    ASSERT_TRUE(value.is_string());
  }
}

}  // namespace
}  // namespace glassbox::telemetry::log
