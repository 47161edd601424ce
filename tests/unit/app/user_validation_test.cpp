#include "app/user_validation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace glassbox::app {
namespace {

std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) {
    out += unit;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// UTF-8

struct Utf8Case {
  std::string text;
  std::optional<std::size_t> code_points;
  std::string description;
};

TEST(Utf8CodePoints, CountsValidTextAndRefusesInvalidSequences) {
  const std::vector<Utf8Case> cases{
      {"", 0, "empty"},
      {"abc", 3, "ASCII"},
      {"\xC3\xA9", 1, "two-byte e acute"},
      {"\xE2\x82\xAC", 1, "three-byte euro sign"},
      {"\xF0\x9F\x98\x80", 1, "four-byte emoji is one code point"},
      {"a\xF0\x9F\x98\x80z", 3, "emoji between letters"},
      {"\xC2\x80", 1, "U+0080, smallest two-byte"},
      {"\xDF\xBF", 1, "U+07FF, largest two-byte"},
      {"\xE0\xA0\x80", 1, "U+0800, smallest three-byte"},
      {"\xED\x9F\xBF", 1, "U+D7FF, just below the surrogates"},
      {"\xEE\x80\x80", 1, "U+E000, just above the surrogates"},
      {"\xF0\x90\x80\x80", 1, "U+10000, smallest four-byte"},
      {"\xF4\x8F\xBF\xBF", 1, "U+10FFFF, the largest code point"},
      {std::string("a\0b", 3), 3, "NUL is a valid code point"},
      {"\xC0\x80", std::nullopt, "overlong NUL"},
      {"\xC1\xBF", std::nullopt, "overlong two-byte"},
      {"\xE0\x80\xAF", std::nullopt, "overlong three-byte slash"},
      {"\xE0\x9F\xBF", std::nullopt, "overlong U+07FF in three bytes"},
      {"\xF0\x80\x80\xAF", std::nullopt, "overlong four-byte slash"},
      {"\xF0\x8F\xBF\xBF", std::nullopt, "overlong U+FFFF in four bytes"},
      {"\xED\xA0\x80", std::nullopt, "high surrogate U+D800"},
      {"\xED\xBF\xBF", std::nullopt, "low surrogate U+DFFF"},
      {"\xED\xA0\xBD\xED\xB8\x80", std::nullopt, "CESU-8 surrogate pair"},
      {"\xF4\x90\x80\x80", std::nullopt, "U+110000, above the range"},
      {"\xF5\x80\x80\x80", std::nullopt, "lead byte F5"},
      {"\xFF", std::nullopt, "byte FF"},
      {"\x80", std::nullopt, "lone continuation byte"},
      {"\xE2\x82", std::nullopt, "truncated three-byte"},
      {"\xF0\x9F\x98", std::nullopt, "truncated emoji"},
      {"abc\xC3", std::nullopt, "truncated at the end"},
      {"\xC3\x28", std::nullopt, "ASCII where a continuation belongs"},
      {"\xF0\x9F\x98\x80\x80", std::nullopt, "extra continuation after an emoji"},
  };
  for (const auto& [text, code_points, description] : cases) {
    EXPECT_EQ(utf8_code_points(text), code_points) << description;
  }
}

// ---------------------------------------------------------------------------------------
// E-mail

// Builds an address of exactly `total` bytes with a 64-byte local part.
std::string address_of_length(std::size_t total) {
  const std::string local(64, 'l');
  const std::string fixed = local + "@" + std::string(63, 'a') + "." + std::string(63, 'b') + ".";
  const std::string tail = ".com";
  const std::size_t third = total - fixed.size() - tail.size();
  return fixed + std::string(third, 'c') + tail;
}

TEST(EmailValidation, AcceptsAddressesPeopleType) {
  for (const std::string& email : std::vector<std::string>{
           "a@example.com", "first.last+tag@sub.example.co.uk", "x@a-b.io", "o'brien@example.com",
           "!#$%&'*+/=?^_`{|}~-@example.com", "A@EXAMPLE.COM", "user@123.example.org",
           std::string(64, 'l') + "@example.com", "a@" + std::string(63, 'd') + ".com",
           address_of_length(254)}) {
    EXPECT_TRUE(is_valid_email(email)) << email;
  }
}

TEST(EmailValidation, RefusesMalformedAddresses) {
  for (const std::string& email : std::vector<std::string>{"",
                                                           "plain",
                                                           "@example.com",
                                                           "a@",
                                                           "a@localhost",
                                                           "a@example.c",
                                                           "a@example.123",
                                                           "a@example.c0m",
                                                           "a@-example.com",
                                                           "a@example-.com",
                                                           "a@exa_mple.com",
                                                           ".a@example.com",
                                                           "a.@example.com",
                                                           "a..b@example.com",
                                                           "a@@example.com",
                                                           "a@b@example.com",
                                                           "a b@example.com",
                                                           " a@example.com",
                                                           "a@example..com",
                                                           "a@example.com.",
                                                           "a@.example.com",
                                                           "\xC3\xA9@example.com",
                                                           "a@ex\xC3\xA4mple.com",
                                                           "a(b)@example.com",
                                                           "\"quoted\"@example.com",
                                                           "a@[127.0.0.1]",
                                                           "a\n@example.com",
                                                           std::string(65, 'l') + "@example.com",
                                                           "a@" + std::string(64, 'd') + ".com",
                                                           address_of_length(255)}) {
    EXPECT_FALSE(is_valid_email(email)) << email;
  }
}

TEST(EmailValidation, BoundaryHelperBuildsTheLengthItClaims) {
  // Guards the two boundary cases above against a miscounted helper.
  EXPECT_EQ(address_of_length(254).size(), 254u);
  EXPECT_EQ(address_of_length(255).size(), 255u);
}

// ---------------------------------------------------------------------------------------
// Bodies

UserInput expect_input(const UserBodyResult& result) {
  if (const auto* error = std::get_if<BodyError>(&result)) {
    ADD_FAILURE() << "refused: field '" << error->field << "': " << error->message;
    return {};
  }
  return std::get<UserInput>(result);
}

BodyError expect_error(const UserBodyResult& result) {
  if (const auto* error = std::get_if<BodyError>(&result)) {
    return *error;
  }
  ADD_FAILURE() << "accepted";
  return BodyError{BodyError::Kind::kMalformedJson, "<accepted>", ""};
}

TEST(UserBody, AcceptsAMinimalBody) {
  const auto input =
      expect_input(parse_user_body(R"({"name":"Ada","email":"ada@example.com"})", true));
  EXPECT_EQ(input.name, "Ada");
  EXPECT_EQ(input.email, "ada@example.com");
  EXPECT_FALSE(input.ttl_seconds.has_value());
}

TEST(UserBody, ReadsTtlWhenAllowed) {
  EXPECT_EQ(
      expect_input(parse_user_body(R"({"name":"A","email":"a@b.io","ttl_seconds":3600})", true))
          .ttl_seconds,
      3600);
  EXPECT_FALSE(
      expect_input(parse_user_body(R"({"name":"A","email":"a@b.io","ttl_seconds":null})", true))
          .ttl_seconds.has_value());
  const std::string max_body =
      R"({"name":"A","email":"a@b.io","ttl_seconds":)" + std::to_string(kTtlMaxSeconds) + "}";
  EXPECT_EQ(expect_input(parse_user_body(max_body, true)).ttl_seconds, kTtlMaxSeconds);
}

TEST(UserBody, IgnoresTtlWhenNotAllowed) {
  const auto input = expect_input(
      parse_user_body(R"({"name":"A","email":"a@b.io","ttl_seconds":"garbage"})", false));
  EXPECT_FALSE(input.ttl_seconds.has_value());
}

TEST(UserBody, IgnoresUnknownFieldsEvenNestedOnes) {
  const auto input = expect_input(parse_user_body(
      R"({"id":7,"extra":{"a":[1,[2,[3]]]},"name":"Ada","email":"ada@example.com"})", true));
  EXPECT_EQ(input.name, "Ada");
}

TEST(UserBody, AcceptsWhitespaceAroundTheObject) {
  expect_input(parse_user_body(" \n\t{\"name\":\"A\",\"email\":\"a@b.io\"}\r\n ", true));
}

TEST(UserBody, MalformedBodiesAreMalformedJson) {
  const std::string deep =
      R"({"name":"A","email":"a@b.io","x":)" + repeat("[", 100) + repeat("]", 100) + "}";
  const std::vector<std::string> bodies{
      "",
      "   ",
      "{",
      R"({"name":"A",})",
      R"({"name":"A","email":"a@b.io"} x)",
      R"({"name":"A","email":"a@b.io"}{})",
      "nul",
      "{'name':'A'}",
      R"({"name":"\ud800","email":"a@b.io"})",
      R"({"name":"A" /* c */,"email":"a@b.io"})",
      deep,
  };
  for (const auto& body : bodies) {
    const auto error = expect_error(parse_user_body(body, true));
    EXPECT_EQ(error.kind, BodyError::Kind::kMalformedJson) << body;
    EXPECT_EQ(error.field, "") << body;
  }
}

TEST(UserBody, NonObjectIsAnInvalidBody) {
  for (const std::string_view body : {"[]", "\"name\"", "42", "null", "true"}) {
    const auto error = expect_error(parse_user_body(body, true));
    EXPECT_EQ(error.kind, BodyError::Kind::kInvalidField) << body;
    EXPECT_EQ(error.field, "") << body;
  }
}

struct InvalidFieldCase {
  std::string body;
  std::string field;
  std::string message_part;
};

TEST(UserBody, InvalidFieldsAreNamed) {
  const std::string emoji = "\xF0\x9F\x98\x80";
  const std::vector<InvalidFieldCase> cases{
      {R"({"email":"a@b.io"})", "name", "required"},
      {R"({"name":5,"email":"a@b.io"})", "name", "string"},
      {R"({"name":null,"email":"a@b.io"})", "name", "string"},
      {R"({"name":["A"],"email":"a@b.io"})", "name", "string"},
      {R"({"name":"","email":"a@b.io"})", "name", "1 to 100"},
      {R"({"name":")" + repeat(emoji, 101) + R"(","email":"a@b.io"})", "name", "1 to 100"},
      {R"({"name":"a\u0007b","email":"a@b.io"})", "name", "control"},
      {R"({"name":"tab\there","email":"a@b.io"})", "name", "control"},
      {R"({"name":"nul\u0000","email":"a@b.io"})", "name", "control"},
      {R"({"name":"del\u007f","email":"a@b.io"})", "name", "control"},
      {R"({"name":"c1\u0085","email":"a@b.io"})", "name", "control"},
      {R"({"name":"A"})", "email", "required"},
      {R"({"name":"A","email":5})", "email", "string"},
      {R"({"name":"A","email":"not-an-address"})", "email", "e-mail"},
      {R"({"name":"A","email":"a@b.io","ttl_seconds":"10"})", "ttl_seconds", "integer"},
      {R"({"name":"A","email":"a@b.io","ttl_seconds":1.5})", "ttl_seconds", "integer"},
      {R"({"name":"A","email":"a@b.io","ttl_seconds":10.0})", "ttl_seconds", "integer"},
      {R"({"name":"A","email":"a@b.io","ttl_seconds":1e30})", "ttl_seconds", "integer"},
      {R"({"name":"A","email":"a@b.io","ttl_seconds":true})", "ttl_seconds", "integer"},
      {R"({"name":"A","email":"a@b.io","ttl_seconds":0})", "ttl_seconds", "1 to"},
      {R"({"name":"A","email":"a@b.io","ttl_seconds":-1})", "ttl_seconds", "1 to"},
      {R"({"name":"A","email":"a@b.io","ttl_seconds":)" + std::to_string(kTtlMaxSeconds + 1) + "}",
       "ttl_seconds", "1 to"},
      {R"({"name":"A","email":"a@b.io","ttl_seconds":18446744073709551615})", "ttl_seconds",
       "1 to"},
      {R"({"name":"A","email":"a@b.io","ttl_seconds":99999999999999999999999})", "ttl_seconds",
       "1 to"},
  };
  for (const auto& [body, field, message_part] : cases) {
    SCOPED_TRACE(body);
    const auto error = expect_error(parse_user_body(body, true));
    EXPECT_EQ(error.kind, BodyError::Kind::kInvalidField);
    EXPECT_EQ(error.field, field);
    EXPECT_NE(error.message.find(message_part), std::string::npos) << error.message;
  }
}

TEST(UserBody, NameOfExactly100CodePointsIsAccepted) {
  const std::string name = repeat("\xF0\x9F\x98\x80", 100);  // 400 bytes, 100 code points
  const auto input =
      expect_input(parse_user_body(R"({"name":")" + name + R"(","email":"a@b.io"})", true));
  EXPECT_EQ(input.name, name);
}

TEST(UserBody, NameKeepsUnicodeEscapesDecoded) {
  const auto input =
      expect_input(parse_user_body(R"({"name":"Andr\u00e9 \ud83d\ude00","email":"a@b.io"})", true));
  EXPECT_EQ(input.name, "Andr\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(UserBody, ReportsTheFirstInvalidFieldInOrder) {
  const auto error =
      expect_error(parse_user_body(R"({"ttl_seconds":"x","email":"bad","name":""})", true));
  EXPECT_EQ(error.field, "name");
  const auto second =
      expect_error(parse_user_body(R"({"ttl_seconds":"x","email":"bad","name":"A"})", true));
  EXPECT_EQ(second.field, "email");
}

TEST(UserBody, MessagesNeverEchoTheValue) {
  const std::string marker = "Zq7marker";
  for (const std::string& body :
       std::vector<std::string>{R"({"name":")" + repeat(marker, 20) + R"(","email":"a@b.io"})",
                                R"({"name":"A","email":")" + marker + R"(<script>"})",
                                R"({"name":")" + marker + R"(\u0001","email":"a@b.io"})"}) {
    const auto error = expect_error(parse_user_body(body, true));
    EXPECT_EQ(error.message.find(marker), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("<script>"), std::string::npos) << error.message;
  }
}

// Depends on how Boost.JSON 1.81 builds an object from duplicate keys (see
// parse_user_body): should an upgrade change it, this test says so.
TEST(UserBody, ADuplicateKeyIsMalformedJson) {
  for (const std::string_view body :
       {R"({"name":"a","name":"b","email":"d@example.com"})",
        R"({"name":"a","email":"d@example.com","email":"e@example.com"})",
        R"({"name":"a","email":"d@example.com","x":1,"x":2})"}) {
    const auto result = parse_user_body(body, true);
    const auto* error = std::get_if<BodyError>(&result);
    ASSERT_NE(error, nullptr) << body;
    EXPECT_EQ(error->kind, BodyError::Kind::kMalformedJson) << body;
  }
  EXPECT_TRUE(std::holds_alternative<UserInput>(
      parse_user_body(R"({"name":"a","email":"d@example.com","x":{"y":1}})", true)));
}

TEST(UserBody, InvalidUtf8IsMalformedJsonNamingTheField) {
  const auto result = parse_user_body("{\"name\":\"N\",\"email\":\"a\xff@example.com\"}", true);
  const auto* error = std::get_if<BodyError>(&result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, BodyError::Kind::kMalformedJson);
  EXPECT_EQ(error->field, "email");
  EXPECT_NE(error->message.find("email"), std::string::npos) << error->message;
  EXPECT_EQ(error->message.find('\xff'), std::string::npos);
  for (const std::string body : {"{\"name\":\"\xFF\",\"email\":\"a@b.io\"}",
                                 "{\"name\":\"\xED\xA0\x80\",\"email\":\"a@b.io\"}"}) {
    const auto in_name = expect_error(parse_user_body(body, true));
    EXPECT_EQ(in_name.kind, BodyError::Kind::kMalformedJson);
    EXPECT_EQ(in_name.field, "name");
  }
}

}  // namespace
}  // namespace glassbox::app
