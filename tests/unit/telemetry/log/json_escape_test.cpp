#include "telemetry/log/json_escape.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <random>
#include <string>
#include <string_view>
#include <utility>

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

// Plain runs are scanned eight bytes at a time: every byte that needs escaping is found
// wherever it falls in a word, and the plain bytes around it are kept.
TEST(JsonEscape, FindsEveryEscapeAtEveryOffsetOfALongString) {
  const std::pair<char, std::string_view> cases[] = {
      {'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\x01', "\\u0001"}, {'\x7f', "\\u007f"}};
  for (const auto& [special, expected_escape] : cases) {
    for (std::size_t at = 0; at < 24; ++at) {
      std::string text(24, 'x');
      text[at] = special;
      const std::string expected = "\"" + std::string(at, 'x') + std::string(expected_escape) +
                                   std::string(23 - at, 'x') + "\"";
      EXPECT_EQ(escaped(text), expected) << "byte " << int(special) << " at " << at;
    }
  }
  std::string utf8(20, 'y');
  utf8.replace(9, 2, "\xC3\xA9");
  EXPECT_EQ(escaped(utf8), "\"" + utf8 + "\"");
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
