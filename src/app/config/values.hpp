#pragma once

// Parsers for single setting values: integers, numbers, booleans, choices, durations and
// the latency bucket list. Each throws ConfigError naming the setting when a value is bad.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "app/config/setting_source.hpp"
#include "app/config/text.hpp"

namespace glassbox::app::config_detail {

std::uint64_t parse_integer(const RawValue& raw, std::uint64_t min, std::uint64_t max,
                            std::string_view unit = {});
double parse_number(const RawValue& raw, std::string_view expected);
bool parse_bool(const RawValue& raw);

template <typename T>
struct Choice {
  std::string_view name;
  T value;
};

template <typename T, std::size_t N>
T parse_choice(const RawValue& raw, const std::array<Choice<T>, N>& choices) {
  for (const auto& choice : choices) {
    if (iequals(raw.text, choice.name)) {
      return choice.value;
    }
  }
  std::string expected = "one of ";
  for (std::size_t i = 0; i < N; ++i) {
    expected += (i == 0 ? "" : ", ") + std::string(choices[i].name);
  }
  fail(raw, expected);
}

template <typename T>
void set_integer(const SettingSource& source, std::string_view variable, T& target,
                 std::uint64_t min, std::uint64_t max) {
  if (const auto raw = source.get(variable)) {
    target = static_cast<T>(parse_integer(*raw, min, max));
  }
}

void set_seconds(const SettingSource& source, std::string_view variable,
                 std::chrono::seconds& target, std::uint64_t max);

// Reads the first of `more_specific` that is set, else `variable`.
void set_milliseconds(const SettingSource& source, std::string_view variable,
                      std::chrono::milliseconds& target,
                      std::initializer_list<std::string_view> more_specific = {});

std::vector<double> parse_buckets(const RawValue& raw);

}  // namespace glassbox::app::config_detail
