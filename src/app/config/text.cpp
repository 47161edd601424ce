#include "app/config/text.hpp"

#include <algorithm>
#include <cstddef>

#include "app/config.hpp"

namespace glassbox::app::config_detail {
namespace {

constexpr std::size_t kMaxEchoedBytes = 64;

}  // namespace

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_lower(x) == to_lower(y);
         });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

std::string quoted(std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out = "'";
  for (const char c : text.substr(0, kMaxEchoedBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  if (text.size() > kMaxEchoedBytes) {
    out += "...";
  }
  out += "'";
  return out;
}

[[noreturn]] void fail(const RawValue& raw, std::string_view expected) {
  throw ConfigError(raw.source, "expected " + std::string(expected) + ", got " + quoted(raw.text));
}

[[noreturn]] void fail_secret(const RawValue& raw, std::string_view expected) {
  throw ConfigError(raw.source,
                    "expected " + std::string(expected) + " " + std::string(kSecretNotShown));
}

std::string describe_scheme(std::string_view url) {
  const auto end = url.find("://");
  const auto scheme = url.substr(0, end);
  const bool plausible = end != std::string_view::npos && !scheme.empty() &&
                         std::all_of(scheme.begin(), scheme.end(), [](char c) {
                           return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
                         });
  if (!plausible) {
    return "a value without a URL scheme " + std::string(kSecretNotShown);
  }
  return "a URL with scheme " + quoted(scheme);
}

}  // namespace glassbox::app::config_detail
