#pragma once

// Where setting values come from: command-line flags and the environment.

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "app/config/text.hpp"

namespace glassbox::app::config_detail {

using Environment = std::map<std::string, std::string>;

// Looks settings up: a flag first, then the variable. An empty variable counts as unset,
// because Docker and compose pass `VAR=` for variables that are declared but not given.
class SettingSource {
 public:
  SettingSource(const Environment& environment, std::map<std::string, RawValue> flags);

  std::optional<RawValue> get(std::string_view variable) const;

  // The first of several variables that is set (a signal-specific one before the general).
  std::optional<RawValue> first_of(std::initializer_list<std::string_view> variables) const;

  // Like get(), and also reads VARIABLE_FILE (a mounted secret). Setting both variables is
  // refused: silently preferring one would hide a deployment mistake.
  std::optional<RawValue> get_secret(std::string_view variable) const;

 private:
  std::optional<RawValue> from_environment(std::string_view variable) const;

  const Environment& environment_;
  std::map<std::string, RawValue> flags_;
};

}  // namespace glassbox::app::config_detail
