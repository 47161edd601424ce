#include "app/config/setting_source.hpp"

#include <utility>

#include "app/config.hpp"
#include "app/config/secret_file.hpp"

namespace glassbox::app::config_detail {

SettingSource::SettingSource(const Environment& environment, std::map<std::string, RawValue> flags)
    : environment_(environment), flags_(std::move(flags)) {}

std::optional<RawValue> SettingSource::get(std::string_view variable) const {
  if (const auto flag = flags_.find(std::string(variable)); flag != flags_.end()) {
    return flag->second;
  }
  return from_environment(variable);
}

std::optional<RawValue> SettingSource::first_of(
    std::initializer_list<std::string_view> variables) const {
  for (const auto variable : variables) {
    if (auto value = get(variable)) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<RawValue> SettingSource::get_secret(std::string_view variable) const {
  const std::string file_variable = std::string(variable) + "_FILE";
  if (flags_.contains(std::string(variable))) {
    return get(variable);
  }
  auto direct = from_environment(variable);
  const auto file = from_environment(file_variable);
  if (direct && file) {
    throw ConfigError(file_variable, "expected either " + std::string(variable) + " or " +
                                         file_variable + ", got both");
  }
  if (file) {
    return RawValue{read_secret_file(file->text, file_variable), file_variable};
  }
  return direct;
}

std::optional<RawValue> SettingSource::from_environment(std::string_view variable) const {
  const auto found = environment_.find(std::string(variable));
  if (found == environment_.end() || found->second.empty()) {
    return std::nullopt;
  }
  return RawValue{found->second, found->first};
}

}  // namespace glassbox::app::config_detail
