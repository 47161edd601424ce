#include "app/app_metrics.hpp"

namespace glassbox::app {
namespace {

namespace metrics = telemetry::metrics;

metrics::CounterFamily& errors(metrics::Registry& registry) {
  return registry.counter_family("errors_total",
                                 "Errors handled by the service, by kind and where they arose.",
                                 {"type", "source"});
}

metrics::CounterFamily& cache_requests(metrics::Registry& registry) {
  return registry.counter_family("cache_requests_total", "Cache look-ups by cache and result.",
                                 {"cache", "result"});
}

metrics::CounterFamily& websocket_messages(metrics::Registry& registry) {
  return registry.counter_family("websocket_messages_total", "WebSocket messages, by direction.",
                                 {"direction"});
}

metrics::CounterFamily& cleanup_runs(metrics::Registry& registry) {
  return registry.counter_family("cleanup_job_runs_total", "Runs of the expiry job, by outcome.",
                                 {"status"});
}

}  // namespace

AppMetrics::AppMetrics(metrics::Registry& registry, const std::vector<double>& latency_buckets)
    : user_cache_hits(cache_requests(registry).with({"users", "hit"})),
      user_cache_misses(cache_requests(registry).with({"users", "miss"})),
      websocket_connections(
          registry.gauge("websocket_connections_active", "Open /ws/events connections.")),
      websocket_messages_sent(websocket_messages(registry).with({"sent"})),
      websocket_messages_received(websocket_messages(registry).with({"received"})),
      cleanup_runs_succeeded(cleanup_runs(registry).with({"success"})),
      cleanup_runs_failed(cleanup_runs(registry).with({"failure"})),
      cleanup_records_deleted(
          registry.counter("cleanup_job_records_deleted_total", "Users the expiry job deleted.")),
      cleanup_duration(registry.histogram("cleanup_job_duration_seconds",
                                          "Time one run of the expiry job took.", latency_buckets)),
      cleanup_last_success(registry.gauge("cleanup_job_last_success_timestamp_seconds",
                                          "Unix time of the expiry job's last successful run.")),
      database_unavailable_errors(errors(registry).with({"database_unavailable", "database"})),
      database_internal_errors(errors(registry).with({"database_error", "database"})),
      database_pool_saturated(errors(registry).with({"pool_saturated", "database_pool"})),
      compute_pool_saturated(errors(registry).with({"pool_saturated", "compute_pool"})),
      cleanup_failures(errors(registry).with({"cleanup_failed", "cleanup_job"})),
      unauthorized_requests(errors(registry).with({"unauthorized", "auth"})),
      forbidden_requests(errors(registry).with({"forbidden", "auth"})),
      rate_limited_requests(errors(registry).with({"rate_limited", "rate_limiter"})),
      log_records_dropped(registry.counter("glassbox_log_records_dropped_total",
                                           "Log records dropped because the writer fell behind.")),
      spans_exported(
          registry.counter("glassbox_spans_exported_total", "Spans the exporter delivered.")),
      spans_dropped(registry.counter("glassbox_spans_dropped_total",
                                     "Spans dropped because the export queue was full.")),
      span_export_failures(registry.counter("glassbox_span_export_failures_total",
                                            "Span export attempts that failed.")) {}

}  // namespace glassbox::app
