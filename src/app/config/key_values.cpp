#include "app/config/key_values.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string_view>

#include "app/config.hpp"
#include "app/user_validation.hpp"

namespace glassbox::app::config_detail {
namespace {

int hex_value(char c) {
  if (is_digit(c)) {
    return c - '0';
  }
  const char lower = to_lower(c);
  return (lower >= 'a' && lower <= 'f') ? lower - 'a' + 10 : -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

bool is_header_name(std::string_view name) {
  constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return is_alpha(c) || is_digit(c) || kTokenPunctuation.find(c) != std::string_view::npos;
  });
}

// A decoded header value must not smuggle a line break (or any other control byte) into
// the export request.
bool is_header_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t') || byte == 0x7f;
  });
}

}  // namespace

KeyValues parse_key_values(const RawValue& raw, ListKind kind) {
  constexpr std::string_view kExpected =
      "comma-separated key=value pairs with percent-encoded values";
  KeyValues pairs;
  std::size_t position = 0;
  for (const auto member : split(raw.text, ',')) {
    ++position;
    if (trim(member).empty()) {
      continue;  // a trailing comma is harmless
    }
    const auto at = "pair " + std::to_string(position);
    const auto equals = member.find('=');
    if (equals == std::string_view::npos) {
      throw ConfigError(raw.source,
                        "expected " + std::string(kExpected) + "; " + at + " has no '='");
    }
    auto key = percent_decode(trim(member.substr(0, equals)));
    auto value = percent_decode(trim(member.substr(equals + 1)));
    if (!key || !value) {
      throw ConfigError(raw.source, "expected " + std::string(kExpected) + "; " + at +
                                        " has a '%' not followed by two hex digits");
    }
    const bool key_ok = kind == ListKind::kHeaders
                            ? is_header_name(*key)
                            : !key->empty() && utf8_code_points(*key).has_value();
    if (!key_ok) {
      throw ConfigError(raw.source, "expected " + std::string(kExpected) + "; " + at +
                                        " has an invalid key " + quoted(*key));
    }
    const bool value_ok =
        kind == ListKind::kHeaders ? is_header_value(*value) : utf8_code_points(*value).has_value();
    if (!value_ok) {
      throw ConfigError(raw.source,
                        "expected " + std::string(kExpected) + "; the value of " + quoted(*key) +
                            (kind == ListKind::kHeaders ? " decodes to control characters"
                                                        : " does not decode to valid UTF-8"));
    }
    pairs.emplace_back(std::move(*key), std::move(*value));
  }
  return pairs;
}

KeyValues without_duplicate_keys(const KeyValues& pairs) {
  KeyValues unique;
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
  for (const auto& pair : pairs) {
    const auto existing = std::find_if(unique.begin(), unique.end(), [&pair](const auto& kept) {
      return kept.first == pair.first;
    });
    if (existing != unique.end()) {
      existing->second = pair.second;
    } else {
      unique.push_back(pair);
    }
  }
  return unique;
}

}  // namespace glassbox::app::config_detail
