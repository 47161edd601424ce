#include "app/config/values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <system_error>

#include "app/config.hpp"

namespace glassbox::app::config_detail {
namespace {

constexpr std::uint64_t kMaxMilliseconds = 24 * 3600 * 1000;

}  // namespace

std::uint64_t parse_integer(const RawValue& raw, std::uint64_t min, std::uint64_t max,
                            std::string_view unit) {
  std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!unit.empty()) {
    expected += " (" + std::string(unit) + ")";
  }
  const std::string_view text = raw.text;
  // from_chars alone would accept a prefix ("8080x"); requiring only digits also refuses
  // signs and spaces.
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit)) {
    fail(raw, expected);
  }
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    fail(raw, expected);
  }
  return value;
}

double parse_number(const RawValue& raw, std::string_view expected) {
  const std::string_view text = raw.text;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    fail(raw, expected);
  }
  return value;
}

bool parse_bool(const RawValue& raw) {
  if (iequals(raw.text, "true")) {
    return true;
  }
  if (iequals(raw.text, "false")) {
    return false;
  }
  fail(raw, "true or false");
}

void set_seconds(const SettingSource& source, std::string_view variable,
                 std::chrono::seconds& target, std::uint64_t max) {
  if (const auto raw = source.get(variable)) {
    target =
        std::chrono::seconds(static_cast<std::int64_t>(parse_integer(*raw, 1, max, "seconds")));
  }
}

void set_milliseconds(const SettingSource& source, std::string_view variable,
                      std::chrono::milliseconds& target,
                      std::initializer_list<std::string_view> more_specific) {
  std::optional<RawValue> raw;
  for (const auto name : more_specific) {
    if ((raw = source.get(name))) {
      break;
    }
  }
  if (!raw) {
    raw = source.get(variable);
  }
  if (raw) {
    target = std::chrono::milliseconds(
        static_cast<std::int64_t>(parse_integer(*raw, 1, kMaxMilliseconds, "milliseconds")));
  }
}

std::vector<double> parse_buckets(const RawValue& raw) {
  constexpr std::string_view kExpected =
      "comma-separated positive finite numbers of seconds in strictly increasing order "
      "(+Inf is implicit)";
  std::vector<double> buckets;
  for (const auto item : split(raw.text, ',')) {
    const RawValue bound{std::string(trim(item)), raw.source};
    const double value = parse_number(bound, kExpected);
    if (value <= 0) {
      fail(bound, kExpected);
    }
    if (!buckets.empty() && value <= buckets.back()) {
      throw ConfigError(raw.source, "expected " + std::string(kExpected) + ", got " +
                                        quoted(raw.text) + ", where " + quoted(bound.text) +
                                        " does not exceed the bound before it");
    }
    buckets.push_back(value);
  }
  return buckets;
}

}  // namespace glassbox::app::config_detail
