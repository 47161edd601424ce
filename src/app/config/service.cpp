// Server, database, metrics and compute settings.

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string_view>

#include "app/config/settings.hpp"
#include "app/config/text.hpp"
#include "app/config/values.hpp"

namespace glassbox::app::config_detail {
namespace {

constexpr std::uint64_t kMaxThreads = 1024;
constexpr std::uint64_t kMaxPoolSize = 1024;
constexpr std::uint64_t kMaxComputeN = 92;  // fib(93) overflows int64
constexpr std::uint64_t kMaxQueue = 1'000'000;
constexpr std::uint64_t kMaxCacheCapacity = 100'000'000;
constexpr std::uint64_t kMaxIntervalSeconds = 365 * 24 * 3600;

void check_database_url(const RawValue& raw) {
  const std::string_view url = raw.text;
  if (url.starts_with("sqlite://")) {
    if (url.size() == std::string_view("sqlite://").size()) {
      throw ConfigError(raw.source,
                        "expected a path after sqlite:// (sqlite://data/glassbox.db "
                        "or sqlite://:memory:), got an empty path");
    }
    return;
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return;
  }
  throw ConfigError(raw.source,
                    "expected sqlite://PATH, sqlite://:memory: or "
                    "postgresql://user:pass@host:port/db, got " +
                        describe_scheme(url));
}

bool is_api_route(std::string_view path) {
  while (path.size() > 1 && path.ends_with('/')) {
    path.remove_suffix(1);
  }
  for (const std::string_view exact : {"/health", "/ready", "/api", "/compute", "/ws"}) {
    if (path == exact) {
      return true;
    }
  }
  for (const std::string_view prefix : {"/api/", "/compute/", "/ws/"}) {
    if (path.starts_with(prefix)) {
      return true;
    }
  }
  return false;
}

void check_metrics_path(const RawValue& raw) {
  const std::string_view path = raw.text;
  // Query, fragment and template braces would never match a request path as written.
  const bool plain = std::all_of(path.begin(), path.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7f && c != '?' && c != '#' && c != '{' && c != '}';
  });
  if (!path.starts_with('/') || !plain) {
    fail(raw, "a path starting with '/' without spaces, '?', '#' or braces");
  }
  if (is_api_route(path)) {
    fail(raw,
         "a path that is not an API route (/health, /ready, /api/..., /compute/..., "
         "/ws/...)");
  }
}

}  // namespace

void apply_server(const SettingSource& source, Config& config) {
  if (const auto raw = source.get("GLASSBOX_HOST")) {
    const bool printable = std::all_of(raw->text.begin(), raw->text.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    if (!printable) {
      fail(*raw, "an IP address or host name without spaces");
    }
    config.host = raw->text;
  }
  set_integer(source, "GLASSBOX_PORT", config.port, 0, std::numeric_limits<std::uint16_t>::max());
  set_integer(source, "GLASSBOX_THREADS", config.threads, 0, kMaxThreads);
  if (const auto raw = source.get("LOG_LEVEL")) {
    constexpr std::array<Choice<LogLevel>, 4> kLevels{{{"debug", LogLevel::kDebug},
                                                       {"info", LogLevel::kInfo},
                                                       {"warn", LogLevel::kWarn},
                                                       {"error", LogLevel::kError}}};
    config.log_level = parse_choice(*raw, kLevels);
  }
}

void apply_database(const SettingSource& source, Config& config) {
  if (const auto raw = source.get_secret("DATABASE_URL")) {
    check_database_url(*raw);
    config.database_url = raw->text;
  }
  set_integer(source, "DATABASE_POOL_SIZE", config.database_pool_size, 1, kMaxPoolSize);
}

void apply_metrics(const SettingSource& source, Config& config) {
  if (const auto raw = source.get("METRICS_PATH")) {
    check_metrics_path(*raw);
    config.metrics_path = raw->text;
  }
  if (const auto raw = source.get_secret("METRICS_TOKEN")) {
    // It travels in an Authorization header, which cannot carry spaces or control bytes.
    const bool token_chars = std::all_of(raw->text.begin(), raw->text.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    if (!token_chars) {
      fail_secret(*raw, "a token of printable ASCII characters without spaces");
    }
    config.metrics_token = raw->text;
  }
  if (const auto raw = source.get("GLASSBOX_LATENCY_BUCKETS")) {
    config.latency_buckets = parse_buckets(*raw);
  }
}

void apply_compute_and_storage(const SettingSource& source, Config& config) {
  set_integer(source, "COMPUTE_MAX_N", config.compute_max_n, 0, kMaxComputeN);
  set_integer(source, "COMPUTE_THREADS", config.compute_threads, 0, kMaxThreads);
  set_integer(source, "COMPUTE_QUEUE", config.compute_queue, 0, kMaxQueue);
  set_seconds(source, "CLEANUP_INTERVAL_SECONDS", config.cleanup_interval, kMaxIntervalSeconds);
  set_integer(source, "USER_CACHE_CAPACITY", config.user_cache_capacity, 0, kMaxCacheCapacity);
}

}  // namespace glassbox::app::config_detail
