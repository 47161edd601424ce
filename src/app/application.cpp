#include "app/application.hpp"

#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "app/api/routes.hpp"
#include "app/cleanup_job.hpp"
#include "app/security/api_keys.hpp"
#include "app/security/rate_limiter.hpp"
#include "app/tracing_options.hpp"
#include "build_info.hpp"
#include "http/request_metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/tls_context.hpp"
#include "storage/database.hpp"
#include "storage/instrumented_user_store.hpp"
#include "telemetry/metrics/process_metrics.hpp"

namespace glassbox::app {
namespace {

using telemetry::log::Level;

// Room for bursts of database work beyond the worker count before answering 503.
constexpr std::size_t kDatabaseQueuePerThread = 256;
// After a clean drain, how long stray pool work (a request's last query) may still take.
constexpr auto kPoolDrainAfterServer = std::chrono::seconds(2);
// How long a clean shutdown waits for queued spans to reach the collector.
constexpr auto kSpanFlushTimeout = std::chrono::milliseconds(3000);

telemetry::log::Level to_log_level(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return Level::kDebug;
    case LogLevel::kInfo:
      return Level::kInfo;
    case LogLevel::kWarn:
      return Level::kWarn;
    case LogLevel::kError:
      return Level::kError;
  }
  return Level::kInfo;
}

// The cores this process may run on: its CPU affinity mask (`taskset`, a container's
// cpuset), as Go's GOMAXPROCS reads it. std::thread::hardware_concurrency() counts every
// online CPU, so a service confined to one core would start a loop per core of the host.
unsigned usable_cores() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
    const int count = CPU_COUNT(&allowed);
    if (count > 0) return static_cast<unsigned>(count);
  }
  const unsigned online = std::thread::hardware_concurrency();
  return online == 0 ? 1 : online;
}

unsigned resolve_thread_count(unsigned configured) {
  return configured != 0 ? configured : usable_cores();
}

// postgresql://user:secret@host/db -> postgresql://user:***@host/db, for the log.
std::string redact_url_password(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::size_t authority_start = scheme_end + 3;
  const std::size_t at = url.find('@', authority_start);
  const std::size_t slash = url.find('/', authority_start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) {
    return std::string(url);
  }
  const std::size_t colon = url.find(':', authority_start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

std::int64_t system_now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http::Limits to_http_limits(const HttpLimits& limits) {
  return http::Limits{
      .max_header_bytes = limits.max_header_bytes,
      .max_target_bytes = limits.max_target_bytes,
      .max_body_bytes = limits.max_body_bytes,
      .header_timeout = limits.header_timeout,
      .idle_timeout = limits.idle_timeout,
      .max_connections = limits.max_connections,
      .shutdown_timeout = limits.shutdown_timeout,
  };
}

// The TLS files, loaded before anything starts: a bad one is a configuration error (exit 2)
// naming the setting that points to it.
std::unique_ptr<http::TlsContext> load_tls(const SecurityConfig& security) {
  if (!security.tls_certificate_path) return nullptr;
  try {
    return std::make_unique<http::TlsContext>(*security.tls_certificate_path,
                                              *security.tls_private_key_path);
  } catch (const http::TlsSetupError& failure) {
    throw ConfigError(
        failure.file() == http::TlsFile::kCertificate ? "GLASSBOX_TLS_CERT" : "GLASSBOX_TLS_KEY",
        failure.what());
  }
}

}  // namespace

int run_application(const Config& config) {
  std::unique_ptr<http::TlsContext> tls;
  try {
    tls = load_tls(config.security);
  } catch (const ConfigError& error) {
    std::fprintf(stderr, "glassbox: invalid configuration: %s\n", error.what());
    return 2;
  }
  std::unique_ptr<RateLimiter> rate_limiter;
  if (config.security.rate_limit_rps > 0) {
    rate_limiter = std::make_unique<RateLimiter>(config.security.rate_limit_rps,
                                                 config.security.rate_limit_burst,
                                                 config.security.rate_limit_clients);
  }
  std::unique_ptr<ApiKeys> api_keys;
  if (!config.security.api_keys.empty()) {
    api_keys = std::make_unique<ApiKeys>(config.security.api_keys);
  }
  telemetry::metrics::Registry registry;
  telemetry::metrics::register_process_metrics(registry);
  telemetry::metrics::register_build_info(registry, build_info::kVersion, build_info::kRevision);
  AppMetrics metrics(registry, config.latency_buckets);
  // After the counter it feeds, so it is stopped and destroyed first.
  telemetry::log::Logger logger(config.tracing.service_name, to_log_level(config.log_level),
                                {.dropped_counter = &metrics.log_records_dropped});
  const unsigned io_threads = resolve_thread_count(config.threads);
  const unsigned compute_threads = resolve_thread_count(config.compute_threads);
  const std::size_t compute_queue =
      config.compute_queue != 0 ? config.compute_queue : 2 * std::size_t{compute_threads};
  logger.write(Level::kInfo, "app", "Starting",
               {{"version", build_info::kVersion},
                {"revision", build_info::kRevision},
                {"database_url", redact_url_password(config.database_url)},
                {"io_threads", io_threads},
                {"compute_threads", compute_threads},
                {"database_pool_size", config.database_pool_size},
                {"tls", tls != nullptr},
                {"api_keys", static_cast<std::int64_t>(config.security.api_keys.size())},
                {"rate_limit_rps", config.security.rate_limit_rps}});

  http::RequestMetrics request_metrics(registry, config.latency_buckets);

  std::unique_ptr<telemetry::trace::TracePipeline> tracing;
  try {
    tracing = std::make_unique<telemetry::trace::TracePipeline>(
        to_tracing_options(config.tracing, build_info::kVersion),
        telemetry::trace::BatchCounters{.exported = &metrics.spans_exported,
                                        .dropped = &metrics.spans_dropped,
                                        .export_failures = &metrics.span_export_failures},
        [&logger](std::string_view why) {
          logger.write(Level::kWarn, "telemetry.trace", "Span export failed", {{"error", why}});
        });
  } catch (const std::invalid_argument& failure) {
    std::fprintf(stderr,
                 "glassbox: invalid configuration: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: %s\n",
                 failure.what());
    return 2;
  }
  const telemetry::trace::Tracer& tracer = tracing->tracer();

  std::unique_ptr<storage::UserStore> store;
  try {
    store = storage::open_database(storage::DatabaseOptions{
        .url = config.database_url,
        .pool_size = config.database_pool_size,
        .on_event =
            [&logger](std::string_view message) { logger.write(Level::kInfo, "storage", message); },
    });
  } catch (const storage::StartupError& failure) {
    logger.write(Level::kError, "storage", "Database start-up failed", {{"error", failure.what()}});
    return 1;
  }
  store = std::make_unique<storage::InstrumentedUserStore>(
      std::move(store), registry, config.latency_buckets, &tracer,
      [&logger](bool available, std::string_view detail) {
        if (available) {
          logger.write(Level::kInfo, "storage", "Database available again");
        } else {
          logger.write(Level::kError, "storage", "Database unavailable", {{"error", detail}});
        }
      });

  BlockingPool database_pool(
      "db-worker", static_cast<unsigned>(config.database_pool_size),
      kDatabaseQueuePerThread * static_cast<std::size_t>(config.database_pool_size));
  BlockingPool compute_pool("compute", compute_threads, compute_queue);
  UserCache user_cache(config.user_cache_capacity);
  EventHub events(metrics);
  ApiContext context{
      .config = config,
      .store = *store,
      .database_pool = database_pool,
      .compute_pool = compute_pool,
      .user_cache = user_cache,
      .events = events,
      .logger = logger,
      .registry = registry,
      .metrics = metrics,
      .tracer = &tracer,
      .now_millis = system_now_millis,
      .rate_limiter = rate_limiter.get(),
      .api_keys = api_keys.get(),
  };

  http::Router router;
  add_health_routes(router, context);
  add_user_routes(router, context);
  add_compute_routes(router, context);
  add_event_routes(router, context);
  add_metrics_routes(router, context);

  http::Server server(
      http::ServerOptions{.host = config.host,
                          .port = config.port,
                          .threads = io_threads,
                          .limits = to_http_limits(config.limits),
                          .tls = tls.get()},
      router, logger,
      http::ServerTelemetry{
          .metrics = &request_metrics, .tracer = &tracer, .exporting_spans = tracing->exporting()});
  try {
    server.listen();
  } catch (const std::exception& failure) {
    logger.write(Level::kError, "http.server", "Cannot listen",
                 {{"address", config.host}, {"port", config.port}, {"error", failure.what()}});
    return 1;
  }
  logger.write(Level::kInfo, "http.server", "Listening",
               {{"address", config.host},
                {"port", server.port()},
                {"scheme", tls != nullptr ? "https" : "http"}});

  CleanupJob cleanup_job(CleanupJob::Dependencies{.store = *store,
                                                  .user_cache = user_cache,
                                                  .events = events,
                                                  .logger = logger,
                                                  .metrics = metrics,
                                                  .now_millis = system_now_millis},
                         config.cleanup_interval);
  cleanup_job.start();

  const bool drained = server.run();

  // In-flight requests are answered (or abandoned after the drain bound); now stop what
  // produces work, in dependency order.
  cleanup_job.stop();
  const auto pool_deadline = std::chrono::steady_clock::now() +
                             (drained ? kPoolDrainAfterServer : std::chrono::seconds(0));
  const bool compute_idle = compute_pool.stop_within(pool_deadline);
  const bool database_idle = database_pool.stop_within(pool_deadline);
  events.clear();
  if (!drained || !compute_idle || !database_idle) {
    // Work is still running on pool threads and cannot be interrupted; destroying what it
    // uses would crash, and waiting would break the shutdown bound. The shutdown was
    // requested, so it still counts as a clean exit.
    logger.write(
        Level::kWarn, "app", "Stopped with work still running",
        {{"drained", drained}, {"compute_idle", compute_idle}, {"database_idle", database_idle}});
    logger.stop();  // _Exit runs no destructors: write what is queued first
    std::_Exit(0);
  }
  tracing->shutdown(kSpanFlushTimeout);  // after the last request's spans have ended
  logger.write(Level::kInfo, "app", "Stopped");
  return 0;
}

}  // namespace glassbox::app
