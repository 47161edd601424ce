#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace glassbox::app {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class TracesExporter { kOtlp, kConsole, kNone };
enum class OtlpProtocol { kHttpProtobuf, kHttpJson };
enum class Sampler {
  kAlwaysOn,
  kAlwaysOff,
  kTraceIdRatio,
  kParentBasedAlwaysOn,
  kParentBasedAlwaysOff,
  kParentBasedTraceIdRatio,
};

// Limits the HTTP layer enforces; CONTRACT.md gives the defaults.
struct HttpLimits {
  std::size_t max_header_bytes = 16 * 1024;   // GLASSBOX_MAX_HEADER_BYTES -> 431
  std::size_t max_target_bytes = 8 * 1024;    // GLASSBOX_MAX_TARGET_BYTES -> 414
  std::size_t max_body_bytes = 1024 * 1024;   // GLASSBOX_MAX_BODY_BYTES -> 413
  std::chrono::seconds header_timeout{10};    // GLASSBOX_HEADER_TIMEOUT_SECONDS
  std::chrono::seconds idle_timeout{60};      // GLASSBOX_IDLE_TIMEOUT_SECONDS
  std::size_t max_connections = 10000;        // GLASSBOX_MAX_CONNECTIONS
  std::chrono::seconds shutdown_timeout{10};  // GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS
};

struct TracingConfig {
  std::string service_name = "glassbox";                                 // OTEL_SERVICE_NAME
  std::vector<std::pair<std::string, std::string>> resource_attributes;  // OTEL_RESOURCE_ATTRIBUTES
  // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT with
  // "/v1/traces" appended (per the OpenTelemetry exporter spec).
  std::string traces_endpoint = "http://localhost:4318/v1/traces";
  OtlpProtocol protocol = OtlpProtocol::kHttpProtobuf;       // OTEL_EXPORTER_OTLP_PROTOCOL
  std::vector<std::pair<std::string, std::string>> headers;  // OTEL_EXPORTER_OTLP_HEADERS
  std::chrono::milliseconds export_timeout{10000};           // OTEL_EXPORTER_OTLP_TIMEOUT
  TracesExporter exporter = TracesExporter::kOtlp;           // OTEL_TRACES_EXPORTER
  Sampler sampler = Sampler::kParentBasedAlwaysOn;           // OTEL_TRACES_SAMPLER
  double sampler_ratio = 1.0;                                // OTEL_TRACES_SAMPLER_ARG
  std::size_t bsp_max_queue_size = 2048;                     // OTEL_BSP_MAX_QUEUE_SIZE
  std::chrono::milliseconds bsp_schedule_delay{5000};        // OTEL_BSP_SCHEDULE_DELAY
  std::size_t bsp_max_export_batch_size = 512;               // OTEL_BSP_MAX_EXPORT_BATCH_SIZE
  std::chrono::milliseconds bsp_export_timeout{30000};       // OTEL_BSP_EXPORT_TIMEOUT
  bool sdk_disabled = false;                                 // OTEL_SDK_DISABLED
};

// TLS, API keys and rate limiting; everything off by default.
struct SecurityConfig {
  // Both or neither (GLASSBOX_TLS_CERT, GLASSBOX_TLS_KEY): PEM files, loaded at start-up.
  std::optional<std::string> tls_certificate_path;
  std::optional<std::string> tls_private_key_path;
  // GLASSBOX_API_KEYS_FILE: when set, writing /api/users requests need one of these keys.
  std::vector<std::string> api_keys;
  double rate_limit_rps = 0;               // GLASSBOX_RATE_LIMIT_RPS (0: no rate limiting)
  unsigned rate_limit_burst = 0;           // GLASSBOX_RATE_LIMIT_BURST (0: max(1, ceil(rps)))
  std::size_t rate_limit_clients = 10000;  // GLASSBOX_RATE_LIMIT_CLIENTS (tracked addresses)
};

struct Config {
  std::string host = "0.0.0.0";  // GLASSBOX_HOST / --host
  std::uint16_t port = 8080;     // GLASSBOX_PORT / --port (0: any free port)
  unsigned threads = 0;          // GLASSBOX_THREADS / --threads (0: cores)
  std::string database_url = "sqlite://data/glassbox.db";  // DATABASE_URL / --database-url
  int database_pool_size = 4;                              // DATABASE_POOL_SIZE
  LogLevel log_level = LogLevel::kInfo;                    // LOG_LEVEL / --log-level
  std::string metrics_path = "/metrics";                   // METRICS_PATH
  std::optional<std::string> metrics_token;                // METRICS_TOKEN (or METRICS_TOKEN_FILE)
  std::vector<double> latency_buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                      0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                      1,      2.5,     5,      10};  // GLASSBOX_LATENCY_BUCKETS
  int compute_max_n = 40;                     // COMPUTE_MAX_N (0..92: fits in int64)
  unsigned compute_threads = 0;               // COMPUTE_THREADS (0: cores)
  std::size_t compute_queue = 0;              // COMPUTE_QUEUE (0: 2 x compute threads)
  std::chrono::seconds cleanup_interval{60};  // CLEANUP_INTERVAL_SECONDS (>= 1)
  std::size_t user_cache_capacity = 10000;    // USER_CACHE_CAPACITY (0 disables)
  HttpLimits limits;
  TracingConfig tracing;
  SecurityConfig security;
};

// A setting that does not parse. `setting` is the variable's name (GLASSBOX_PORT), so the
// message tells the operator exactly what to fix; main() prints it and exits with code 2.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string setting, const std::string& message)
      : std::runtime_error(setting + ": " + message), setting_(std::move(setting)) {}
  const std::string& setting() const { return setting_; }

 private:
  std::string setting_;
};

// What the command line asked for besides settings.
enum class CommandAction { kRun, kHelp, kVersion };

struct ParsedCommandLine {
  CommandAction action = CommandAction::kRun;
  Config config;
};

// Reads settings from `environment` (name -> value) and then from `args` (argv without the
// program name); a flag wins over the variable of the same setting. Flags take
// `--name value` or `--name=value`. Throws ConfigError for an unknown flag, a missing flag
// value, or any value that does not parse or is out of range. Pure: no global state, so
// tests pass their own environment.
ParsedCommandLine parse_command_line(const std::map<std::string, std::string>& environment,
                                     const std::vector<std::string>& args);

// The process environment as a map, for parse_command_line.
std::map<std::string, std::string> current_environment();

// The text --help prints: every flag and variable with its default.
std::string help_text();

}  // namespace glassbox::app
