#include "app/user_validation.hpp"

#include <algorithm>
#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <limits>

namespace glassbox::app {
namespace {

// Real user bodies are flat; a modest limit stops "[[[[..." from costing stack and time.
constexpr std::size_t kMaxJsonDepth = 32;
constexpr std::size_t kEmailLocalMaxBytes = 64;
constexpr std::size_t kDomainLabelMaxBytes = 63;
constexpr std::size_t kParseBufferBytes = 4096;

struct DecodedCodePoint {
  char32_t value;
  std::size_t length;
};

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Decodes the sequence at `position` per RFC 3629, refusing what the header calls invalid:
// overlong forms, UTF-16 surrogates, values above U+10FFFF and truncated sequences.
std::optional<DecodedCodePoint> decode_at(std::string_view text, std::size_t position) {
  const auto lead = static_cast<unsigned char>(text[position]);
  if (lead < 0x80) {
    return DecodedCodePoint{lead, 1};
  }
  std::size_t length = 0;
  char32_t value = 0;
  char32_t smallest = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {  // 0xC0 and 0xC1 could only start overlong forms
    length = 2;
    value = lead & 0x1F;
    smallest = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    value = lead & 0x0F;
    smallest = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07;
    smallest = 0x10000;
  } else {
    return std::nullopt;
  }
  if (text.size() - position < length) {
    return std::nullopt;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[position + i]);
    if (!is_continuation(byte)) {
      return std::nullopt;
    }
    value = (value << 6) | (byte & 0x3F);
  }
  const bool surrogate = value >= 0xD800 && value <= 0xDFFF;
  if (value < smallest || surrogate || value > 0x10FFFF) {
    return std::nullopt;
  }
  return DecodedCodePoint{value, length};
}

// C0, DEL and C1: the Unicode "Cc" category.
bool is_control(char32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

bool has_control_character(std::string_view text) {
  for (std::size_t position = 0; position < text.size();) {
    const auto decoded = decode_at(text, position);
    if (!decoded || is_control(decoded->value)) {
      return true;
    }
    position += decoded->length;
  }
  return false;
}

bool is_letter_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_local_part_character(char c) {
  constexpr std::string_view kPunctuation = "!#$%&'*+/=?^_`{|}~.-";
  return is_letter_or_digit(c) || kPunctuation.find(c) != std::string_view::npos;
}

bool is_valid_local_part(std::string_view local) {
  return !local.empty() && local.size() <= kEmailLocalMaxBytes &&
         std::all_of(local.begin(), local.end(), is_local_part_character) &&
         !local.starts_with('.') && !local.ends_with('.') &&
         local.find("..") == std::string_view::npos;
}

bool is_valid_domain_label(std::string_view label) {
  return !label.empty() && label.size() <= kDomainLabelMaxBytes &&
         std::all_of(label.begin(), label.end(),
                     [](char c) { return is_letter_or_digit(c) || c == '-'; }) &&
         !label.starts_with('-') && !label.ends_with('-');
}

bool is_valid_top_level_label(std::string_view label) {
  return label.size() >= 2 && std::all_of(label.begin(), label.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
         });
}

bool is_valid_domain(std::string_view domain) {
  std::size_t labels = 0;
  std::string_view last;
  std::size_t start = 0;
  while (true) {
    const auto end = domain.find('.', start);
    last = domain.substr(start, end - start);
    if (!is_valid_domain_label(last)) {
      return false;
    }
    ++labels;
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return labels >= 2 && is_valid_top_level_label(last);
}

bool strings_are_utf8(const boost::json::value& value) {
  if (const auto* text = value.if_string()) {
    return utf8_code_points(std::string_view(text->data(), text->size())).has_value();
  }
  if (const auto* array = value.if_array()) {
    return std::all_of(array->begin(), array->end(), strings_are_utf8);
  }
  if (const auto* object = value.if_object()) {
    return std::all_of(object->begin(), object->end(), [](const auto& member) {
      return utf8_code_points(member.key()).has_value() && strings_are_utf8(member.value());
    });
  }
  return true;
}

// The first top-level member whose key or any string inside its value is not valid
// UTF-8: its key, or "" when a key itself is invalid. nullopt when every string is valid.
std::optional<std::string> first_field_not_utf8(const boost::json::value& document) {
  const auto* object = document.if_object();
  if (object == nullptr)
    return strings_are_utf8(document) ? std::nullopt : std::optional(std::string());
  for (const auto& member : *object) {
    if (!utf8_code_points(member.key())) return std::string();
    if (!strings_are_utf8(member.value())) return std::string(member.key());
  }
  return std::nullopt;
}

// Boost.JSON's strict parse says only "syntax error" for invalid UTF-8 in a string. When a
// second parse that lets such bytes through succeeds, the bytes were the only fault, and
// the error can name the field that holds them (never the bytes themselves).
std::optional<BodyError> utf8_error(std::string_view body, boost::json::parse_options options) {
  std::array<unsigned char, kParseBufferBytes> buffer{};
  boost::json::monotonic_resource memory(buffer.data(), buffer.size());
  options.allow_invalid_utf8 = true;
  boost::json::error_code error;
  const auto document = boost::json::parse(body, error, &memory, options);
  if (error) return std::nullopt;
  auto field = first_field_not_utf8(document);
  if (!field) return std::nullopt;
  std::string message = "request body is not valid JSON: ";
  message += field->empty() ? std::string("a key or string is not valid UTF-8")
                            : *field + " is not valid UTF-8";
  return BodyError{BodyError::Kind::kMalformedJson, std::move(*field), std::move(message)};
}

BodyError invalid(std::string field, std::string message) {
  return BodyError{BodyError::Kind::kInvalidField, std::move(field), std::move(message)};
}

// Reads a required string field, or explains why it cannot.
std::variant<std::string, BodyError> required_string(const boost::json::object& object,
                                                     const std::string& field) {
  const auto* value = object.if_contains(field);
  if (value == nullptr) {
    return invalid(field, field + " is required");
  }
  const auto* text = value->if_string();
  if (text == nullptr) {
    return invalid(field, field + " must be a string");
  }
  return std::string(text->data(), text->size());
}

std::optional<BodyError> check_name(const std::string& name) {
  const auto length = utf8_code_points(name);
  if (!length) {
    return invalid("name", "name must be valid UTF-8");
  }
  if (*length == 0 || *length > kNameMaxCodePoints) {
    return invalid("name",
                   "name must be 1 to " + std::to_string(kNameMaxCodePoints) + " characters long");
  }
  if (has_control_character(name)) {
    return invalid("name", "name must not contain control characters");
  }
  return std::nullopt;
}

std::variant<std::optional<std::int64_t>, BodyError> read_ttl(const boost::json::object& object) {
  const auto* value = object.if_contains("ttl_seconds");
  if (value == nullptr || value->is_null()) {
    return std::optional<std::int64_t>{};
  }
  const auto error = invalid("ttl_seconds", "ttl_seconds must be null or an integer from 1 to " +
                                                std::to_string(kTtlMaxSeconds));
  // Boost.JSON keeps integer literals as int64 (uint64 beyond its range); a fraction or an
  // exponent makes a double, which is refused even when its value happens to be whole.
  const auto* integer = value->if_int64();
  if (integer == nullptr || *integer < 1 || *integer > kTtlMaxSeconds) {
    return error;
  }
  return std::optional<std::int64_t>{*integer};
}

}  // namespace

std::optional<std::size_t> utf8_code_points(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t position = 0; position < text.size(); ++count) {
    const auto decoded = decode_at(text, position);
    if (!decoded) {
      return std::nullopt;
    }
    position += decoded->length;
  }
  return count;
}

bool is_valid_email(std::string_view email) {
  if (email.size() > kEmailMaxBytes) {
    return false;
  }
  const auto at = email.find('@');
  if (at == std::string_view::npos) {
    return false;
  }
  // The local part cannot contain '@', so a second one makes the domain invalid below.
  return is_valid_local_part(email.substr(0, at)) && is_valid_domain(email.substr(at + 1));
}

UserBodyResult parse_user_body(std::string_view body, bool allow_ttl) {
  // Small bodies parse without touching the heap; the tree dies with this function.
  std::array<unsigned char, kParseBufferBytes> buffer{};
  boost::json::monotonic_resource memory(buffer.data(), buffer.size());
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::json::error_code error;
  const auto document = boost::json::parse(body, error, &memory, options);
  if (error) {
    if (auto not_utf8 = utf8_error(body, options)) return std::move(*not_utf8);
    return BodyError{BodyError::Kind::kMalformedJson, "",
                     "request body is not valid JSON: " + error.message()};
  }
  const auto* object = document.if_object();
  if (object == nullptr) {
    return invalid("", "request body must be a JSON object");
  }
  // Boost.JSON keeps the last of duplicate keys, where another reader (a proxy, a WAF, an
  // audit log) may keep the first: {"email":"a@x.org","email":"b@x.org"} would mean two
  // users to two readers, so it is refused (RFC 8259 4: names SHOULD be unique; RFC 7493,
  // I-JSON: MUST). Boost 1.81 does not report duplicates, but sizes a parsed object's table
  // for every member it read and then drops the duplicates, so a table with room to spare
  // came from one (checked by UserValidation tests, should a Boost upgrade change it).
  if (object->capacity() != object->size()) {
    return BodyError{BodyError::Kind::kMalformedJson, "",
                     "request body is not valid JSON: a key appears twice in the object"};
  }

  UserInput input;
  auto name = required_string(*object, "name");
  if (auto* failure = std::get_if<BodyError>(&name)) {
    return std::move(*failure);
  }
  input.name = std::get<std::string>(std::move(name));
  if (auto failure = check_name(input.name)) {
    return std::move(*failure);
  }

  auto email = required_string(*object, "email");
  if (auto* failure = std::get_if<BodyError>(&email)) {
    return std::move(*failure);
  }
  input.email = std::get<std::string>(std::move(email));
  if (!is_valid_email(input.email)) {
    return invalid("email", "email must be a valid e-mail address such as name@example.com");
  }

  if (allow_ttl) {
    auto ttl = read_ttl(*object);
    if (auto* failure = std::get_if<BodyError>(&ttl)) {
      return std::move(*failure);
    }
    input.ttl_seconds = std::get<std::optional<std::int64_t>>(ttl);
  }
  return input;
}

}  // namespace glassbox::app
