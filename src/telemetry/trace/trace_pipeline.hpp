#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "telemetry/trace/batch_span_processor.hpp"
#include "telemetry/trace/otlp_http_exporter.hpp"
#include "telemetry/trace/resource.hpp"
#include "telemetry/trace/sampler.hpp"
#include "telemetry/trace/tracer.hpp"

namespace glassbox::telemetry::trace {

// OTEL_TRACES_EXPORTER.
enum class TraceExporterKind { kOtlp, kConsole, kNone };

// The tracing settings: the fields of app::TracingConfig (same names, same defaults, our
// own enums), plus what the application knows about itself.
struct TracingOptions {
  std::string service_name = "glassbox";                                 // OTEL_SERVICE_NAME
  std::vector<std::pair<std::string, std::string>> resource_attributes;  // OTEL_RESOURCE_ATTRIBUTES
  std::string traces_endpoint = "http://localhost:4318/v1/traces";
  OtlpEncoding protocol = OtlpEncoding::kProtobuf;           // OTEL_EXPORTER_OTLP_PROTOCOL
  std::vector<std::pair<std::string, std::string>> headers;  // OTEL_EXPORTER_OTLP_HEADERS
  std::chrono::milliseconds export_timeout{10000};           // OTEL_EXPORTER_OTLP_TIMEOUT
  TraceExporterKind exporter = TraceExporterKind::kOtlp;     // OTEL_TRACES_EXPORTER
  SamplerKind sampler = SamplerKind::kParentBasedAlwaysOn;   // OTEL_TRACES_SAMPLER
  double sampler_ratio = 1.0;                                // OTEL_TRACES_SAMPLER_ARG
  std::size_t bsp_max_queue_size = 2048;                     // OTEL_BSP_MAX_QUEUE_SIZE
  std::chrono::milliseconds bsp_schedule_delay{5000};        // OTEL_BSP_SCHEDULE_DELAY
  std::size_t bsp_max_export_batch_size = 512;               // OTEL_BSP_MAX_EXPORT_BATCH_SIZE
  std::chrono::milliseconds bsp_export_timeout{30000};       // OTEL_BSP_EXPORT_TIMEOUT
  bool sdk_disabled = false;                                 // OTEL_SDK_DISABLED

  std::string service_version;      // service.version, telemetry.sdk.version, scope version
  std::string service_instance_id;  // "": a random UUID
};

// Everything tracing needs, built from settings: resource, exporter, batch processor and
// tracer. With sdk_disabled or exporter kNone there is no processor: spans still get ids
// (for log correlation) but nothing is recorded or exported.
//
// Build it at start-up (the constructor throws std::invalid_argument for a bad endpoint,
// header or sampler ratio: report it as a configuration error). tracer() is thread-safe.
// Call shutdown() once the servers have stopped (the destructor does it otherwise).
class TracePipeline {
 public:
  TracePipeline(const TracingOptions& options, BatchCounters counters = {},
                std::function<void(std::string_view)> on_export_failure = {});
  ~TracePipeline();
  TracePipeline(const TracePipeline&) = delete;
  TracePipeline& operator=(const TracePipeline&) = delete;

  const Tracer& tracer() const noexcept { return tracer_; }
  const Resource& resource() const noexcept { return resource_; }
  bool exporting() const noexcept { return processor_ != nullptr; }

  // Exports what is queued within `timeout` (an export still in flight then is
  // cancelled), then stops the exporter thread. Idempotent.
  void shutdown(std::chrono::milliseconds timeout = BatchSpanProcessor::kDefaultShutdownTimeout);

 private:
  Resource resource_;
  std::unique_ptr<BatchSpanProcessor> processor_;
  Tracer tracer_;
};

}  // namespace glassbox::telemetry::trace
