// HTTP limit settings.

#include <cstdint>

#include "app/config/settings.hpp"
#include "app/config/values.hpp"

namespace glassbox::app::config_detail {
namespace {

constexpr std::uint64_t kMaxHeaderOrTargetBytes = 1ULL << 30;  // Beast counts headers in 32 bits
constexpr std::uint64_t kMaxBodyBytes = 1ULL << 40;
constexpr std::uint64_t kMaxConnections = 1'000'000;
constexpr std::uint64_t kMaxTimeoutSeconds = 24 * 3600;

}  // namespace

void apply_limits(const SettingSource& source, HttpLimits& limits) {
  set_integer(source, "GLASSBOX_MAX_HEADER_BYTES", limits.max_header_bytes, 1,
              kMaxHeaderOrTargetBytes);
  set_integer(source, "GLASSBOX_MAX_TARGET_BYTES", limits.max_target_bytes, 1,
              kMaxHeaderOrTargetBytes);
  set_integer(source, "GLASSBOX_MAX_BODY_BYTES", limits.max_body_bytes, 1, kMaxBodyBytes);
  set_seconds(source, "GLASSBOX_HEADER_TIMEOUT_SECONDS", limits.header_timeout, kMaxTimeoutSeconds);
  set_seconds(source, "GLASSBOX_IDLE_TIMEOUT_SECONDS", limits.idle_timeout, kMaxTimeoutSeconds);
  set_integer(source, "GLASSBOX_MAX_CONNECTIONS", limits.max_connections, 1, kMaxConnections);
  set_seconds(source, "GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS", limits.shutdown_timeout,
              kMaxTimeoutSeconds);
}

}  // namespace glassbox::app::config_detail
