#pragma once

#include <string>
#include <string_view>

#include "telemetry/trace/resource.hpp"
#include "telemetry/trace/span_exporter.hpp"

namespace glassbox::telemetry::trace {

// Encodes a batch as an OTLP ExportTraceServiceRequest in the OTLP/JSON form (the proto3
// JSON mapping with OTLP's deviations): lowerCamelCase keys, trace and span ids as hex (not
// base64), enums as integers, 64-bit integers (int values, fixed64 times) as decimal
// strings, non-finite doubles as "NaN" / "Infinity" / "-Infinity". Fields at their default
// value are left out. Strings are escaped so the output is valid JSON whatever bytes a span
// holds (invalid UTF-8 becomes U+FFFD).
//
// Immutable after construction; encode is thread-safe.
class OtlpJsonEncoder {
 public:
  OtlpJsonEncoder(const Resource& resource, std::string_view scope_version);

  // Replaces `out` with the request: {"resourceSpans":[...]}.
  void encode(SpanBatch spans, std::string& out) const;

 private:
  std::string resource_;  // encoded "resource" object
  std::string scope_;     // encoded "scope" object
};

// One Span object of the OTLP/JSON form (no trailing newline), as the console exporter
// writes it.
void append_otlp_json_span(std::string& out, const SpanData& span);

}  // namespace glassbox::telemetry::trace
