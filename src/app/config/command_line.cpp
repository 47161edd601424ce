// parse_command_line: reads the flags, then every group of settings.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

#include "app/config.hpp"
#include "app/config/setting_source.hpp"
#include "app/config/settings.hpp"
#include "app/config/text.hpp"

namespace glassbox::app {
namespace {

using config_detail::apply_compute_and_storage;
using config_detail::apply_database;
using config_detail::apply_limits;
using config_detail::apply_metrics;
using config_detail::apply_security;
using config_detail::apply_server;
using config_detail::apply_tracing;
using config_detail::quoted;
using config_detail::RawValue;
using config_detail::SettingSource;

struct FlagSpec {
  std::string_view flag;
  std::string_view variable;
};

constexpr std::array kFlags{
    FlagSpec{"--host", "GLASSBOX_HOST"},       FlagSpec{"--port", "GLASSBOX_PORT"},
    FlagSpec{"--threads", "GLASSBOX_THREADS"}, FlagSpec{"--database-url", "DATABASE_URL"},
    FlagSpec{"--log-level", "LOG_LEVEL"},
};

struct FlagScan {
  CommandAction action = CommandAction::kRun;
  std::map<std::string, RawValue> values;  // variable name -> value given by its flag
};

const FlagSpec* find_flag(std::string_view name) {
  const auto found = std::find_if(kFlags.begin(), kFlags.end(),
                                  [&](const FlagSpec& spec) { return spec.flag == name; });
  return found == kFlags.end() ? nullptr : &*found;
}

FlagScan scan_flags(const std::vector<std::string>& args) {
  FlagScan scan;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      scan.action = CommandAction::kHelp;
      return scan;
    }
    if (arg == "--version") {
      scan.action = CommandAction::kVersion;
      return scan;
    }
    if (!arg.starts_with('-')) {
      throw ConfigError("command line",
                        "expected flags (see --help), got the argument " + quoted(arg));
    }
    const auto equals = arg.find('=');
    const auto name = arg.substr(0, equals);
    const FlagSpec* spec = find_flag(name);
    if (spec == nullptr) {
      throw ConfigError(std::string(name), "unknown flag (see --help)");
    }
    std::string value;
    if (equals != std::string_view::npos) {
      value = std::string(arg.substr(equals + 1));
    } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
      value = args[++i];
    } else {
      throw ConfigError(std::string(name), "expected a value after the flag, got none");
    }
    if (value.empty()) {
      throw ConfigError(std::string(name), "expected a value after the flag, got an empty one");
    }
    scan.values[std::string(spec->variable)] = RawValue{std::move(value), std::string(name)};
  }
  return scan;
}

}  // namespace

ParsedCommandLine parse_command_line(const std::map<std::string, std::string>& environment,
                                     const std::vector<std::string>& args) {
  ParsedCommandLine result;
  FlagScan scan = scan_flags(args);
  result.action = scan.action;
  // --help and --version must work even when the environment holds a bad setting.
  if (result.action != CommandAction::kRun) {
    return result;
  }
  const SettingSource source(environment, std::move(scan.values));
  Config& config = result.config;
  apply_server(source, config);
  apply_database(source, config);
  apply_metrics(source, config);
  apply_compute_and_storage(source, config);
  apply_limits(source, config.limits);
  apply_tracing(source, config.tracing);
  apply_security(source, config.security);
  return result;
}

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals != std::string_view::npos) {
      result.emplace(text.substr(0, equals), text.substr(equals + 1));
    }
  }
  return result;
}

}  // namespace glassbox::app
