#include "app/tracing_options.hpp"

#include <string>

namespace glassbox::app {
namespace {

namespace trace = telemetry::trace;

trace::SamplerKind to_sampler(Sampler sampler) {
  switch (sampler) {
    case Sampler::kAlwaysOn:
      return trace::SamplerKind::kAlwaysOn;
    case Sampler::kAlwaysOff:
      return trace::SamplerKind::kAlwaysOff;
    case Sampler::kTraceIdRatio:
      return trace::SamplerKind::kTraceIdRatio;
    case Sampler::kParentBasedAlwaysOn:
      return trace::SamplerKind::kParentBasedAlwaysOn;
    case Sampler::kParentBasedAlwaysOff:
      return trace::SamplerKind::kParentBasedAlwaysOff;
    case Sampler::kParentBasedTraceIdRatio:
      return trace::SamplerKind::kParentBasedTraceIdRatio;
  }
  return trace::SamplerKind::kParentBasedAlwaysOn;
}

trace::TraceExporterKind to_exporter(TracesExporter exporter) {
  switch (exporter) {
    case TracesExporter::kOtlp:
      return trace::TraceExporterKind::kOtlp;
    case TracesExporter::kConsole:
      return trace::TraceExporterKind::kConsole;
    case TracesExporter::kNone:
      return trace::TraceExporterKind::kNone;
  }
  return trace::TraceExporterKind::kOtlp;
}

}  // namespace

trace::TracingOptions to_tracing_options(const TracingConfig& config,
                                         std::string_view service_version) {
  trace::TracingOptions options;
  options.service_name = config.service_name;
  options.resource_attributes = config.resource_attributes;
  options.traces_endpoint = config.traces_endpoint;
  options.protocol = config.protocol == OtlpProtocol::kHttpJson ? trace::OtlpEncoding::kJson
                                                                : trace::OtlpEncoding::kProtobuf;
  options.headers = config.headers;
  options.export_timeout = config.export_timeout;
  options.exporter = to_exporter(config.exporter);
  options.sampler = to_sampler(config.sampler);
  options.sampler_ratio = config.sampler_ratio;
  options.bsp_max_queue_size = config.bsp_max_queue_size;
  options.bsp_schedule_delay = config.bsp_schedule_delay;
  options.bsp_max_export_batch_size = config.bsp_max_export_batch_size;
  options.bsp_export_timeout = config.bsp_export_timeout;
  options.sdk_disabled = config.sdk_disabled;
  options.service_version = std::string(service_version);
  return options;
}

}  // namespace glassbox::app
