#include "telemetry/trace/http_text.hpp"

#include <algorithm>

namespace glassbox::telemetry::trace {
namespace {

bool ows(char c) {
  return c == ' ' || c == '\t';
}
char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string_view trim_ows(std::string_view text) noexcept {
  while (!text.empty() && ows(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && ows(text.back()))
    text.remove_suffix(1);
  return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return lower(x) == lower(y); });
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() &&
         equals_ignoring_case(text.substr(0, prefix.size()), prefix);
}

}  // namespace glassbox::telemetry::trace
