#pragma once

// The groups of settings parse_command_line reads, each into its part of Config.

#include "app/config.hpp"
#include "app/config/setting_source.hpp"

namespace glassbox::app::config_detail {

// service.cpp
void apply_server(const SettingSource& source, Config& config);
void apply_database(const SettingSource& source, Config& config);
void apply_metrics(const SettingSource& source, Config& config);
void apply_compute_and_storage(const SettingSource& source, Config& config);

// limits.cpp
void apply_limits(const SettingSource& source, HttpLimits& limits);

// security.cpp: TLS files, API keys, rate limiting.
void apply_security(const SettingSource& source, SecurityConfig& security);

// tracing.cpp: names and formats from the OpenTelemetry SDK environment variable spec.
void apply_tracing(const SettingSource& source, TracingConfig& tracing);

}  // namespace glassbox::app::config_detail
