#pragma once

#include <vector>

#include "telemetry/metrics/registry.hpp"

namespace glassbox::app {

// The service's own metrics besides HTTP and database ones (those belong to the HTTP server
// and the store): cache, WebSocket, cleanup job, error and telemetry-pipeline counters.
// Every handle is resolved here, once, so the places that record them only touch atomics.
struct AppMetrics {
  AppMetrics(telemetry::metrics::Registry& registry, const std::vector<double>& latency_buckets);

  telemetry::metrics::Counter& user_cache_hits;
  telemetry::metrics::Counter& user_cache_misses;

  telemetry::metrics::Gauge& websocket_connections;
  telemetry::metrics::Counter& websocket_messages_sent;
  telemetry::metrics::Counter& websocket_messages_received;

  telemetry::metrics::Counter& cleanup_runs_succeeded;
  telemetry::metrics::Counter& cleanup_runs_failed;
  telemetry::metrics::Counter& cleanup_records_deleted;
  telemetry::metrics::Histogram& cleanup_duration;
  telemetry::metrics::Gauge& cleanup_last_success;

  // errors_total{type,source}: a closed set of combinations.
  telemetry::metrics::Counter& database_unavailable_errors;  // source=database
  telemetry::metrics::Counter& database_internal_errors;     // source=database
  telemetry::metrics::Counter& database_pool_saturated;      // source=database_pool
  telemetry::metrics::Counter& compute_pool_saturated;       // source=compute_pool
  telemetry::metrics::Counter& cleanup_failures;             // source=cleanup_job
  telemetry::metrics::Counter& unauthorized_requests;        // type=unauthorized, source=auth
  telemetry::metrics::Counter& forbidden_requests;           // type=forbidden, source=auth
  telemetry::metrics::Counter& rate_limited_requests;        // source=rate_limiter

  // Telemetry about the telemetry pipeline itself.
  telemetry::metrics::Counter& log_records_dropped;
  telemetry::metrics::Counter& spans_exported;
  telemetry::metrics::Counter& spans_dropped;
  telemetry::metrics::Counter& span_export_failures;
};

}  // namespace glassbox::app
