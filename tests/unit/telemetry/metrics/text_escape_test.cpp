#include "telemetry/metrics/text_escape.hpp"

#include <gtest/gtest.h>

namespace glassbox::telemetry::metrics {
namespace {

std::string label_value(std::string_view text) {
  std::string out;
  append_escaped_label_value(out, text);
  return out;
}

TEST(TextEscape, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(label_value(R"(C:\path "quoted")"), R"(C:\\path \"quoted\")");
  EXPECT_EQ(label_value("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(label_value("tab\tand\rreturn"), "tab\tand\rreturn");  // only three escapes exist
}

TEST(TextEscape, LabelValuesKeepUtf8AndNulAsTheyAre) {
  EXPECT_EQ(label_value("caf\xC3\xA9 \xF0\x9F\x9A\x80"), "caf\xC3\xA9 \xF0\x9F\x9A\x80");
  EXPECT_EQ(label_value(std::string_view("a\0b", 3)), std::string("a\0b", 3));
}

TEST(TextEscape, HelpInTextFormatLeavesQuotesAlone) {
  std::string out;
  append_escaped_help_text(out, "say \"hi\" \\ bye\n");
  EXPECT_EQ(out, R"(say "hi" \\ bye\n)");
}

TEST(TextEscape, HelpInOpenMetricsEscapesQuotesToo) {
  std::string out;
  append_escaped_help_openmetrics(out, "say \"hi\" \\ bye\n");
  EXPECT_EQ(out, R"(say \"hi\" \\ bye\n)");
}

TEST(TextEscape, RecognisesValidUtf8) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
}

TEST(TextEscape, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(to_valid_utf8("a\xFF"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(to_valid_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(to_valid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
}

}  // namespace
}  // namespace glassbox::telemetry::metrics
