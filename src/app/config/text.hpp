#pragma once

// Text helpers and error messages shared by the configuration parsers.

#include <string>
#include <string_view>
#include <vector>

namespace glassbox::app::config_detail {

inline constexpr std::string_view kSecretNotShown =
    "(the value is not shown because it may be secret)";

// A setting's text and the name the operator used to give it (a variable, a flag or a _FILE
// variable), so that an error names exactly what to fix.
struct RawValue {
  std::string text;
  std::string source;
};

bool is_digit(char c);
bool is_alpha(char c);
char to_lower(char c);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);
std::string_view trim(std::string_view text);
std::vector<std::string_view> split(std::string_view text, char separator);

// Echoes a non-secret value in an error message, shortened and with control characters
// escaped so that a stray binary value cannot garble the operator's terminal.
std::string quoted(std::string_view text);

// Throw ConfigError for `raw`: "expected <expected>, got <value>", the secret variant
// without the value.
[[noreturn]] void fail(const RawValue& raw, std::string_view expected);
[[noreturn]] void fail_secret(const RawValue& raw, std::string_view expected);

// Names a URL's scheme without the rest, which may hold a password.
std::string describe_scheme(std::string_view url);

}  // namespace glassbox::app::config_detail
