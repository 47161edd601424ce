#pragma once

#include <cstdint>
#include <functional>

#include "app/app_metrics.hpp"
#include "app/blocking_pool.hpp"
#include "app/config.hpp"
#include "app/event_hub.hpp"
#include "app/user_cache.hpp"
#include "storage/user_store.hpp"
#include "telemetry/log/logger.hpp"
#include "telemetry/metrics/registry.hpp"
#include "telemetry/trace/tracer.hpp"

namespace glassbox::app {

class ApiKeys;
class RateLimiter;

// Everything the API handlers use, owned by the Application and outliving the server.
struct ApiContext {
  const Config& config;
  storage::UserStore& store;
  BlockingPool& database_pool;
  BlockingPool& compute_pool;
  UserCache& user_cache;
  EventHub& events;
  telemetry::log::Logger& logger;
  telemetry::metrics::Registry& registry;
  AppMetrics& metrics;
  const telemetry::trace::Tracer* tracer;    // parent of the spans handlers start; may be null
  std::function<std::int64_t()> now_millis;  // injected so tests can control time
  RateLimiter* rate_limiter = nullptr;       // GLASSBOX_RATE_LIMIT_RPS; null: no limit
  const ApiKeys* api_keys = nullptr;         // GLASSBOX_API_KEYS_FILE; null: writes open
};

}  // namespace glassbox::app
