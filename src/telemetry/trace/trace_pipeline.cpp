#include "telemetry/trace/trace_pipeline.hpp"

#include "telemetry/trace/console_exporter.hpp"

namespace glassbox::telemetry::trace {
namespace {

ResourceOptions resource_options(const TracingOptions& options) {
  ResourceOptions resource;
  resource.service_name = options.service_name;
  resource.service_version = options.service_version;
  resource.service_instance_id = options.service_instance_id;
  resource.extra_attributes = options.resource_attributes;
  return resource;
}

std::unique_ptr<SpanExporter> make_exporter(const TracingOptions& options, const Resource& resource,
                                            std::function<void(std::string_view)> on_failure) {
  switch (options.exporter) {
    case TraceExporterKind::kOtlp: {
      OtlpHttpOptions http;
      http.endpoint = options.traces_endpoint;
      http.encoding = options.protocol;
      http.headers = options.headers;
      http.timeout = options.export_timeout;
      http.on_failure = std::move(on_failure);
      return std::make_unique<OtlpHttpExporter>(std::move(http), resource, options.service_version);
    }
    case TraceExporterKind::kConsole:
      return std::make_unique<ConsoleSpanExporter>();
    case TraceExporterKind::kNone:
      break;
  }
  return nullptr;
}

std::unique_ptr<BatchSpanProcessor> make_processor(
    const TracingOptions& options, const Resource& resource, BatchCounters counters,
    std::function<void(std::string_view)> on_failure) {
  if (options.sdk_disabled) return nullptr;
  auto exporter = make_exporter(options, resource, std::move(on_failure));
  if (!exporter) return nullptr;
  BatchOptions batch;
  batch.max_queue_size = options.bsp_max_queue_size;
  batch.schedule_delay = options.bsp_schedule_delay;
  batch.max_export_batch_size = options.bsp_max_export_batch_size;
  batch.export_timeout = options.bsp_export_timeout;
  return std::make_unique<BatchSpanProcessor>(std::move(exporter), batch, counters);
}

TracerOptions tracer_options(const TracingOptions& options, SpanProcessor* processor) {
  TracerOptions tracer;
  tracer.sampler = Sampler(options.sampler, options.sampler_ratio);
  tracer.processor = processor;
  return tracer;
}

}  // namespace

TracePipeline::TracePipeline(const TracingOptions& options, BatchCounters counters,
                             std::function<void(std::string_view)> on_export_failure)
    : resource_(make_resource(resource_options(options))),
      processor_(make_processor(options, resource_, counters, std::move(on_export_failure))),
      tracer_(tracer_options(options, processor_.get())) {}

TracePipeline::~TracePipeline() {
  shutdown();
}

void TracePipeline::shutdown(std::chrono::milliseconds timeout) {
  if (processor_) processor_->shutdown(timeout);
}

}  // namespace glassbox::telemetry::trace
