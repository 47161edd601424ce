// POST/PUT /api/users bodies: the input is the body. Whatever the bytes, parse_user_body
// either accepts a user its contract allows, which then goes out in the API's JSON as the
// same name and e-mail, or refuses with an error the client may see: the right kind, a
// known field, a valid JSON error body, and never the offending value echoed back.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/user_json.hpp"
#include "app/user_validation.hpp"
#include "fuzz_check.hpp"
#include "http/error.hpp"
#include "storage/user_store.hpp"
#include "telemetry/metrics/text_escape.hpp"

namespace {

namespace app = glassbox::app;
namespace json = boost::json;

constexpr std::int64_t kCreatedAtMs = 1'700'000'000'000;
// An offending value shorter than this could appear in a message by coincidence ("name").
constexpr std::size_t kEchoCheckMinimum = 8;

// No C0, DEL or C1 control character, read straight from the bytes of valid UTF-8.
bool free_of_controls(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F) return false;
    // U+0080..U+009F are 0xC2 0x80..0x9F.
    if (byte == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      return false;
    }
  }
  return true;
}

bool plain_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E) return false;
  }
  return true;
}

void check_accepted(const app::UserInput& input, bool allow_ttl) {
  const auto code_points = app::utf8_code_points(input.name);
  FUZZ_CHECK(code_points.has_value());
  FUZZ_CHECK(*code_points >= 1 && *code_points <= app::kNameMaxCodePoints);
  FUZZ_CHECK(free_of_controls(input.name));
  FUZZ_CHECK(app::is_valid_email(input.email));
  if (input.ttl_seconds) {
    FUZZ_CHECK(allow_ttl);
    FUZZ_CHECK(*input.ttl_seconds >= 1 && *input.ttl_seconds <= app::kTtlMaxSeconds);
  }

  // The user as GET /api/users/{id} writes it reads back as what was sent.
  glassbox::storage::User user;
  user.id = 1;
  user.name = input.name;
  user.email = input.email;
  user.created_at_ms = kCreatedAtMs;
  if (input.ttl_seconds) user.expires_at_ms = kCreatedAtMs + *input.ttl_seconds * 1000;
  json::error_code error;
  const json::value written = json::parse(app::user_to_json(user), error);
  FUZZ_CHECK(!error);
  const json::object& object = written.as_object();
  FUZZ_CHECK(object.at("name").as_string() == input.name);
  FUZZ_CHECK(object.at("email").as_string() == input.email);
  FUZZ_CHECK(object.at("expires_at").is_null() == !input.ttl_seconds);
}

// The messages of every kind of refusal of a name or e-mail, from bodies whose values cannot
// appear in them: text an offending value shares with these is not an echo of it.
const std::vector<std::string>& refusal_messages() {
  static const std::vector<std::string> messages = [] {
    const std::string too_long(app::kNameMaxCodePoints + 1, 'x');
    const std::string bodies[] = {
        R"({})",
        R"({"name":7})",
        R"({"name":""})",
        R"({"name":"\u0001"})",
        R"({"name":")" + too_long + R"("})",
        R"({"name":"A"})",
        R"({"name":"A","email":7})",
        R"({"name":"A","email":"\u0001"})",
    };
    std::vector<std::string> found;
    for (const std::string& body : bodies) {
      const auto result = app::parse_user_body(body, true);
      if (const auto* refusal = std::get_if<app::BodyError>(&result)) {
        found.push_back(refusal->message);
      }
    }
    return found;
  }();
  return messages;
}

bool in_refusal_messages(std::string_view text) {
  const auto& messages = refusal_messages();
  return std::any_of(messages.begin(), messages.end(), [text](const std::string& message) {
    return message.find(text) != std::string::npos;
  });
}

void check_refused(const app::BodyError& refusal, std::string_view body) {
  const std::string_view field = refusal.field;
  // A validation failure names a field a user has, or "" for the body as a whole; a body
  // that is not JSON may name the member whose strings are not UTF-8, whatever its key.
  if (refusal.kind == app::BodyError::Kind::kInvalidField) {
    FUZZ_CHECK(field.empty() || field == "name" || field == "email" || field == "ttl_seconds");
  }
  FUZZ_CHECK(!refusal.message.empty());

  // The error body the client gets is JSON with the code of the refusal's kind.
  const auto code = refusal.kind == app::BodyError::Kind::kMalformedJson
                        ? glassbox::http::ErrorCode::kMalformedJson
                        : glassbox::http::ErrorCode::kValidationFailed;
  const auto response = glassbox::http::error_response(code, refusal.message);
  json::error_code error;
  const json::value sent = json::parse(response.body, error);
  FUZZ_CHECK(!error);
  FUZZ_CHECK(sent.as_object().at("error").as_object().at("code").as_string() ==
             glassbox::http::error_code_name(code));

  // header: "message is safe to show to the client and never echoes the offending value".
  if (field != "name" && field != "email") return;
  const json::value document = json::parse(body, error);
  if (error || !document.is_object()) return;
  const json::value* value = document.as_object().if_contains(field);
  if (value == nullptr || !value->is_string()) return;
  const std::string_view offending(value->as_string().data(), value->as_string().size());
  if (offending.size() < kEchoCheckMinimum || in_refusal_messages(offending)) return;
  FUZZ_CHECK(refusal.message.find(offending) == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  const auto created = app::parse_user_body(body, /*allow_ttl=*/true);    // POST
  const auto replaced = app::parse_user_body(body, /*allow_ttl=*/false);  // PUT
  if (const auto* input = std::get_if<app::UserInput>(&created)) check_accepted(*input, true);
  if (const auto* input = std::get_if<app::UserInput>(&replaced)) check_accepted(*input, false);
  if (const auto* refusal = std::get_if<app::BodyError>(&created)) check_refused(*refusal, body);
  if (const auto* refusal = std::get_if<app::BodyError>(&replaced)) check_refused(*refusal, body);

  // PUT ignores ttl_seconds: it accepts what POST accepts, and refuses for the same reason
  // unless POST's only complaint was the TTL.
  const auto* created_input = std::get_if<app::UserInput>(&created);
  const auto* replaced_input = std::get_if<app::UserInput>(&replaced);
  if (created_input != nullptr) {
    FUZZ_CHECK(replaced_input != nullptr);
    FUZZ_CHECK(replaced_input->name == created_input->name);
    FUZZ_CHECK(replaced_input->email == created_input->email);
  } else if (replaced_input == nullptr) {
    FUZZ_CHECK(std::get<app::BodyError>(created).field == std::get<app::BodyError>(replaced).field);
  } else {
    FUZZ_CHECK(std::get<app::BodyError>(created).field == "ttl_seconds");
  }

  // The validators on the raw bytes.
  const auto code_points = app::utf8_code_points(body);
  FUZZ_CHECK(code_points.has_value() == glassbox::telemetry::metrics::is_valid_utf8(body));
  if (code_points) FUZZ_CHECK(*code_points <= body.size());
  if (app::is_valid_email(body)) {
    FUZZ_CHECK(body.size() <= app::kEmailMaxBytes);
    FUZZ_CHECK(plain_ascii(body));
    const std::size_t at = body.find('@');
    FUZZ_CHECK(at != std::string_view::npos && body.find('@', at + 1) == std::string_view::npos);
    FUZZ_CHECK(at >= 1 && at <= 64);
  }
  return 0;
}
