#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace glassbox::app {

inline constexpr std::size_t kNameMaxCodePoints = 100;
inline constexpr std::size_t kEmailMaxBytes = 254;
inline constexpr std::int64_t kTtlMaxSeconds = 10LL * 365 * 24 * 3600;

// A user body that passed validation.
struct UserInput {
  std::string name;
  std::string email;
  std::optional<std::int64_t> ttl_seconds;  // absent or null: the user never expires
};

// Why a body was refused. kMalformedJson -> 400 (the bytes are not JSON, or nest deeper
// than the parser allows); kInvalidField -> 422. `field` names the offending field
// ("name", "email", "ttl_seconds", or "" for the body as a whole); `message` is safe to
// show to the client and never echoes the offending value.
struct BodyError {
  enum class Kind { kMalformedJson, kInvalidField };
  Kind kind;
  std::string field;
  std::string message;
};

using UserBodyResult = std::variant<UserInput, BodyError>;

// Decodes and validates a POST/PUT body: a JSON object with "name" (string, 1..100 code
// points of valid UTF-8, no control characters), "email" (string, see is_valid_email) and,
// when `allow_ttl`, an optional "ttl_seconds" (integer 1..kTtlMaxSeconds, or null).
// Unknown fields are ignored. A non-object body is kInvalidField with field "".
// Checks fields in the order name, email, ttl_seconds and reports the first failure.
UserBodyResult parse_user_body(std::string_view body, bool allow_ttl);

// Number of code points, or nullopt when `text` is not valid UTF-8 (overlongs, surrogates
// and code points above U+10FFFF are invalid).
std::optional<std::size_t> utf8_code_points(std::string_view text);

// Syntactic check of an addr-spec as people type them: ASCII; local part 1..64 characters
// of letters, digits and !#$%&'*+/=?^_`{|}~.- without leading, trailing or doubled dots;
// a domain of at least two dot-separated labels, each 1..63 letters, digits or hyphens,
// not starting or ending with a hyphen, the last label alphabetic and 2+ long; 254 bytes
// at most in all.
bool is_valid_email(std::string_view email);

}  // namespace glassbox::app
