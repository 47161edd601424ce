#pragma once

#include <string>
#include <string_view>

#include "telemetry/trace/resource.hpp"
#include "telemetry/trace/span_exporter.hpp"

namespace glassbox::telemetry::trace {

// Encodes a batch as an OTLP ExportTraceServiceRequest in binary protobuf
// (opentelemetry-proto collector/trace/v1/trace_service.proto, trace/v1/trace.proto): one
// ResourceSpans with the process Resource, one ScopeSpans with the "glassbox" scope.
// Written by hand with the field numbers of those files; no protobuf library.
//
// The resource and scope are encoded once, at construction. Not thread-safe (it keeps
// scratch buffers to avoid allocating per batch): one encoder per exporter thread.
class OtlpProtobufEncoder {
 public:
  OtlpProtobufEncoder(const Resource& resource, std::string_view scope_version);

  // Replaces `out` with the encoded request. An empty batch gives a request with no
  // ResourceSpans (an empty message: zero bytes).
  void encode(SpanBatch spans, std::string& out);

 private:
  // Encodes one Span message into span_ and returns a view of it (valid until the next call).
  std::string_view encode_span(const SpanData& span);

  std::string resource_;     // encoded Resource message
  std::string scope_;        // encoded InstrumentationScope message
  std::string span_;         // scratch: one encoded Span (only grows; see encode_span)
  std::string scope_spans_;  // scratch: ScopeSpans payload
};

}  // namespace glassbox::telemetry::trace
