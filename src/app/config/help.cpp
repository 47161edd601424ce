// help_text: the flags and every variable with its default.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <sstream>
#include <string_view>
#include <utility>

#include "app/config.hpp"

namespace glassbox::app {
namespace {

struct HelpRow {
  std::string variable;
  std::string default_value;
  std::string meaning;
};

template <typename Rep, typename Period>
std::string count_of(std::chrono::duration<Rep, Period> duration) {
  return std::to_string(duration.count());
}

std::string join_buckets(const std::vector<double>& buckets) {
  std::ostringstream out;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    out << (i == 0 ? "" : ",") << buckets[i];
  }
  return out.str();
}

// Defaults come from a default-constructed Config, so the help cannot drift from the code.
std::vector<HelpRow> environment_rows() {
  const Config d;
  const TracingConfig& t = d.tracing;
  return {
      {"GLASSBOX_HOST", d.host, "listen address"},
      {"GLASSBOX_PORT", std::to_string(d.port), "listen port, 0..65535 (0: any free port, logged)"},
      {"GLASSBOX_THREADS", "cores", "I/O threads, 0..1024 (0: cores this process may use)"},
      {"DATABASE_URL", d.database_url,
       "sqlite://PATH, sqlite://:memory: or postgresql://user:pass@host:port/db"},
      {"DATABASE_URL_FILE", "unset", "file holding DATABASE_URL (one trailing newline ignored)"},
      {"DATABASE_POOL_SIZE", std::to_string(d.database_pool_size), "database connections, 1..1024"},
      {"LOG_LEVEL", "info", "debug, info, warn or error"},
      {"METRICS_PATH", d.metrics_path, "Prometheus exposition path"},
      {"METRICS_TOKEN", "unset",
       "when set, the metrics path needs 'Authorization: Bearer <token>'"},
      {"METRICS_TOKEN_FILE", "unset", "file holding METRICS_TOKEN (one trailing newline ignored)"},
      {"GLASSBOX_LATENCY_BUCKETS", "see below",
       "histogram bucket bounds in seconds, comma-separated, increasing"},
      {"COMPUTE_MAX_N", std::to_string(d.compute_max_n), "largest n for /compute/{n}, 0..92"},
      {"COMPUTE_THREADS", "cores",
       "Fibonacci worker threads, 0..1024 (0: cores this process may use)"},
      {"COMPUTE_QUEUE", "2 x threads",
       "/compute requests waiting before 503 (0: 2 x COMPUTE_THREADS)"},
      {"CLEANUP_INTERVAL_SECONDS", count_of(d.cleanup_interval),
       "seconds between runs of the expired-user cleanup"},
      {"USER_CACHE_CAPACITY", std::to_string(d.user_cache_capacity),
       "users kept in the in-process cache (0 disables it)"},
      {"GLASSBOX_MAX_HEADER_BYTES", std::to_string(d.limits.max_header_bytes),
       "request header bytes before 431"},
      {"GLASSBOX_MAX_TARGET_BYTES", std::to_string(d.limits.max_target_bytes),
       "request target bytes before 414"},
      {"GLASSBOX_MAX_BODY_BYTES", std::to_string(d.limits.max_body_bytes),
       "request body bytes before 413"},
      {"GLASSBOX_HEADER_TIMEOUT_SECONDS", count_of(d.limits.header_timeout),
       "seconds a client has to send the request headers"},
      {"GLASSBOX_IDLE_TIMEOUT_SECONDS", count_of(d.limits.idle_timeout),
       "seconds an idle keep-alive connection stays open"},
      {"GLASSBOX_MAX_CONNECTIONS", std::to_string(d.limits.max_connections),
       "concurrent connections"},
      {"GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS", count_of(d.limits.shutdown_timeout),
       "seconds in-flight requests get on SIGTERM"},
      {"GLASSBOX_TLS_CERT", "unset",
       "PEM certificate chain; with GLASSBOX_TLS_KEY the API speaks only HTTPS (and wss)"},
      {"GLASSBOX_TLS_KEY", "unset", "PEM private key of GLASSBOX_TLS_CERT (both or neither)"},
      {"GLASSBOX_API_KEYS_FILE", "unset",
       "file of API keys, one a line, '#' comments; POST/PUT/DELETE /api/users then need "
       "'Authorization: Bearer <key>' or 'X-API-Key: <key>' (401 missing, 403 wrong)"},
      {"GLASSBOX_RATE_LIMIT_RPS", "0",
       "requests per second per client address for the API routes (0: off); over it 429"},
      {"GLASSBOX_RATE_LIMIT_BURST", "ceil(rps)", "token bucket size per client address"},
      {"GLASSBOX_RATE_LIMIT_CLIENTS", std::to_string(d.security.rate_limit_clients),
       "client addresses tracked at most (least recently seen replaced)"},
      {"OTEL_SERVICE_NAME", t.service_name, "service.name, also the 'service' log field"},
      {"OTEL_RESOURCE_ATTRIBUTES", "unset",
       "extra resource attributes, k=v,k2=v2 (values percent-encoded)"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318",
       "OTLP/HTTP base URL; /v1/traces is appended"},
      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "unset",
       "full traces URL, used as given (wins over the above)"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
       "http/protobuf or http/json (grpc is not supported)"},
      {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "unset",
       "the same for traces only (wins over the above)"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "unset",
       "export request headers, k=v,k2=v2 (values percent-encoded)"},
      {"OTEL_EXPORTER_OTLP_HEADERS_FILE", "unset",
       "file holding OTEL_EXPORTER_OTLP_HEADERS (one trailing newline ignored)"},
      {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "unset",
       "the same for traces only (wins over the above)"},
      {"OTEL_EXPORTER_OTLP_TRACES_HEADERS_FILE", "unset",
       "file holding OTEL_EXPORTER_OTLP_TRACES_HEADERS"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", count_of(t.export_timeout),
       "milliseconds an export request may take"},
      {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "unset",
       "the same for traces only (wins over the above)"},
      {"OTEL_TRACES_EXPORTER", "otlp", "otlp, console (spans as JSON lines on stderr) or none"},
      {"OTEL_TRACES_SAMPLER", "parentbased_always_on",
       "always_on, always_off, traceidratio or parentbased_*"},
      {"OTEL_TRACES_SAMPLER_ARG", "1.0", "sampling ratio for the *traceidratio samplers, 0..1"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", std::to_string(t.bsp_max_queue_size),
       "spans waiting for export; more are dropped and counted"},
      {"OTEL_BSP_SCHEDULE_DELAY", count_of(t.bsp_schedule_delay),
       "milliseconds between two exports"},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", std::to_string(t.bsp_max_export_batch_size),
       "spans per export request (at most the queue size)"},
      {"OTEL_BSP_EXPORT_TIMEOUT", count_of(t.bsp_export_timeout),
       "milliseconds one export may take"},
      {"OTEL_SDK_DISABLED", t.sdk_disabled ? "true" : "false",
       "true: export nothing (trace ids are still made for logs)"},
  };
}

std::string pad(std::string_view text, std::size_t width) {
  std::string out(text);
  out.resize(std::max(width, text.size() + 2), ' ');
  return out;
}

}  // namespace

std::string help_text() {
  std::ostringstream out;
  out << "Usage: glassbox [FLAGS]\n"
         "\n"
         "Glassbox serves the users/compute API with metrics, logs and traces.\n"
         "\n"
         "Flags (a flag wins over the variable of the same setting; --name VALUE or "
         "--name=VALUE):\n";
  const std::vector<std::pair<std::string, std::string>> flags{
      {"--host ADDR", "GLASSBOX_HOST"},
      {"--port N", "GLASSBOX_PORT"},
      {"--threads N", "GLASSBOX_THREADS"},
      {"--database-url URL", "DATABASE_URL"},
      {"--log-level LEVEL", "LOG_LEVEL"},
      {"-h, --help", "print this text and exit"},
      {"--version", "print the version and exit"},
  };
  for (const auto& [flag, meaning] : flags) {
    out << "  " << pad(flag, 22) << (meaning.ends_with("exit") ? meaning : "same as " + meaning)
        << "\n";
  }

  const auto rows = environment_rows();
  std::size_t variable_width = std::string_view("VARIABLE").size();
  std::size_t default_width = std::string_view("DEFAULT").size();
  for (const auto& row : rows) {
    variable_width = std::max(variable_width, row.variable.size());
    default_width = std::max(default_width, row.default_value.size());
  }
  out << "\nEnvironment variables (an empty value counts as unset):\n"
      << "  " << pad("VARIABLE", variable_width + 2) << pad("DEFAULT", default_width + 2)
      << "MEANING\n";
  for (const auto& row : rows) {
    out << "  " << pad(row.variable, variable_width + 2)
        << pad(row.default_value, default_width + 2) << row.meaning << "\n";
  }
  out << "\nDefault GLASSBOX_LATENCY_BUCKETS: " << join_buckets(Config{}.latency_buckets) << "\n"
      << "\nExit codes:\n"
         "  0  clean shutdown\n"
         "  1  other fatal error\n"
         "  2  bad configuration (the message names the setting)\n";
  return out.str();
}

}  // namespace glassbox::app
