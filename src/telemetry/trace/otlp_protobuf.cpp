#include "telemetry/trace/otlp_protobuf.hpp"

#include <type_traits>

#include "telemetry/trace/protobuf_wire.hpp"

namespace glassbox::telemetry::trace {
namespace {

using namespace protobuf;

// Field numbers, from opentelemetry-proto.
namespace field {
constexpr std::uint32_t kRequestResourceSpans = 1;   // ExportTraceServiceRequest
constexpr std::uint32_t kResourceSpansResource = 1;  // ResourceSpans
constexpr std::uint32_t kResourceSpansScopeSpans = 2;
constexpr std::uint32_t kScopeSpansScope = 1;  // ScopeSpans
constexpr std::uint32_t kScopeSpansSpans = 2;
constexpr std::uint32_t kResourceAttributes = 1;  // Resource
constexpr std::uint32_t kScopeName = 1;           // InstrumentationScope
constexpr std::uint32_t kScopeVersion = 2;
constexpr std::uint32_t kKeyValueKey = 1;  // KeyValue
constexpr std::uint32_t kKeyValueValue = 2;
constexpr std::uint32_t kAnyString = 1;  // AnyValue (oneof value)
constexpr std::uint32_t kAnyBool = 2;
constexpr std::uint32_t kAnyInt = 3;
constexpr std::uint32_t kAnyDouble = 4;
constexpr std::uint32_t kSpanTraceId = 1;  // Span
constexpr std::uint32_t kSpanSpanId = 2;
constexpr std::uint32_t kSpanTraceState = 3;
constexpr std::uint32_t kSpanParentSpanId = 4;
constexpr std::uint32_t kSpanName = 5;
constexpr std::uint32_t kSpanKind = 6;
constexpr std::uint32_t kSpanStartTime = 7;  // fixed64
constexpr std::uint32_t kSpanEndTime = 8;    // fixed64
constexpr std::uint32_t kSpanAttributes = 9;
constexpr std::uint32_t kSpanDroppedAttributes = 10;
constexpr std::uint32_t kSpanStatus = 15;
constexpr std::uint32_t kSpanFlags = 16;     // fixed32
constexpr std::uint32_t kStatusMessage = 2;  // Status
constexpr std::uint32_t kStatusCode = 3;
}  // namespace field

std::size_t any_value_size(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::size_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          return length_delimited_size(field::kAnyString, v.size());
        } else if constexpr (std::is_same_v<T, bool>) {
          return 2;
        } else if constexpr (std::is_same_v<T, double>) {
          return 9;
        } else {
          return 1 + varint_size(static_cast<std::uint64_t>(v));
        }
      },
      value);
}

void append_any_value(std::string& out, const AttributeValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          append_bytes_field(out, field::kAnyString, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          append_varint_field(out, field::kAnyBool, v ? 1 : 0);
        } else if constexpr (std::is_same_v<T, double>) {
          append_double_field(out, field::kAnyDouble, v);
        } else {
          append_int64_field(out, field::kAnyInt, v);
        }
      },
      value);
}

// One KeyValue as a length-delimited field `field_number` of the enclosing message.
void append_key_value(std::string& out, std::uint32_t field_number, std::string_view key,
                      const AttributeValue& value) {
  const std::size_t value_size = any_value_size(value);
  const std::size_t size = length_delimited_size(field::kKeyValueKey, key.size()) +
                           length_delimited_size(field::kKeyValueValue, value_size);
  append_length_prefix(out, field_number, size);
  append_bytes_field(out, field::kKeyValueKey, key);
  append_length_prefix(out, field::kKeyValueValue, value_size);
  append_any_value(out, value);
}

void append_id_field(std::string& out, std::uint32_t field_number, TraceId id) {
  append_length_prefix(out, field_number, 16);
  append_bytes(out, id);
}

void append_id_field(std::string& out, std::uint32_t field_number, SpanId id) {
  append_length_prefix(out, field_number, 8);
  append_bytes(out, id);
}

}  // namespace

OtlpProtobufEncoder::OtlpProtobufEncoder(const Resource& resource, std::string_view scope_version) {
  for (const auto& [key, value] : resource.attributes) {
    append_key_value(resource_, field::kResourceAttributes, key, std::string_view(value));
  }
  append_bytes_field(scope_, field::kScopeName, kInstrumentationScopeName);
  if (!scope_version.empty()) append_bytes_field(scope_, field::kScopeVersion, scope_version);
}

void OtlpProtobufEncoder::encode_span(const SpanData& span) {
  span_.clear();
  append_id_field(span_, field::kSpanTraceId, span.context.trace_id);
  append_id_field(span_, field::kSpanSpanId, span.context.span_id);
  if (!span.context.trace_state.empty()) {
    append_bytes_field(span_, field::kSpanTraceState, span.context.trace_state);
  }
  if (span.parent_span_id.valid()) {
    append_id_field(span_, field::kSpanParentSpanId, span.parent_span_id);
  }
  append_bytes_field(span_, field::kSpanName, span.name);
  append_varint_field(span_, field::kSpanKind, static_cast<std::uint64_t>(span.kind));
  append_fixed64_field(span_, field::kSpanStartTime, span.start_unix_nanos);
  append_fixed64_field(span_, field::kSpanEndTime, span.end_unix_nanos);
  for (std::size_t i = 0; i < span.attributes.size(); ++i) {
    const AttributeView attribute = span.attributes[i];
    append_key_value(span_, field::kSpanAttributes, attribute.key, attribute.value);
  }
  if (span.attributes.dropped() > 0) {
    append_varint_field(span_, field::kSpanDroppedAttributes, span.attributes.dropped());
  }
  if (span.status != StatusCode::kUnset) {
    const auto code = static_cast<std::uint64_t>(span.status);
    std::size_t size = 1 + varint_size(code);
    if (!span.status_message.empty()) {
      size += length_delimited_size(field::kStatusMessage, span.status_message.size());
    }
    append_length_prefix(span_, field::kSpanStatus, size);
    if (!span.status_message.empty()) {
      append_bytes_field(span_, field::kStatusMessage, span.status_message);
    }
    append_varint_field(span_, field::kStatusCode, code);
  }
  append_fixed32_field(span_, field::kSpanFlags, otlp_span_flags(span));
}

void OtlpProtobufEncoder::encode(SpanBatch spans, std::string& out) {
  out.clear();
  if (spans.empty()) return;
  scope_spans_.clear();
  append_bytes_field(scope_spans_, field::kScopeSpansScope, scope_);
  for (const auto& span : spans) {
    encode_span(*span);
    append_bytes_field(scope_spans_, field::kScopeSpansSpans, span_);
  }
  const std::size_t resource_spans_size =
      length_delimited_size(field::kResourceSpansResource, resource_.size()) +
      length_delimited_size(field::kResourceSpansScopeSpans, scope_spans_.size());
  out.reserve(length_delimited_size(field::kRequestResourceSpans, resource_spans_size));
  append_length_prefix(out, field::kRequestResourceSpans, resource_spans_size);
  append_bytes_field(out, field::kResourceSpansResource, resource_);
  append_bytes_field(out, field::kResourceSpansScopeSpans, scope_spans_);
}

}  // namespace glassbox::telemetry::trace
