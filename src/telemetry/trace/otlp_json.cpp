#include "telemetry/trace/otlp_json.hpp"

#include <charconv>
#include <cmath>
#include <type_traits>

#include "telemetry/log/json_escape.hpp"

namespace glassbox::telemetry::trace {
namespace {

using log::append_json_string;

void append_key(std::string& out, std::string_view key) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

// proto3 JSON: 64-bit integers are strings.
template <typename Integer>
void append_quoted_integer(std::string& out, Integer value) {
  out.push_back('"');
  append_integer(out, value);
  out.push_back('"');
}

void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("\"NaN\"");
  } else if (std::isinf(value)) {
    out.append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
  }
}

void append_any_value(std::string& out, const AttributeValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          out.append("{\"stringValue\":");
          append_json_string(out, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(v ? "{\"boolValue\":true" : "{\"boolValue\":false");
        } else if constexpr (std::is_same_v<T, double>) {
          out.append("{\"doubleValue\":");
          append_double(out, v);
        } else {
          out.append("{\"intValue\":");
          append_quoted_integer(out, v);
        }
      },
      value);
  out.push_back('}');
}

void append_key_value(std::string& out, std::string_view key, const AttributeValue& value) {
  out.append("{\"key\":");
  append_json_string(out, key);
  out.append(",\"value\":");
  append_any_value(out, value);
  out.push_back('}');
}

template <typename Id>
void append_hex_member(std::string& out, std::string_view key, Id id) {
  out.push_back(',');
  append_key(out, key);
  out.push_back('"');
  append_hex(out, id);
  out.push_back('"');
}

}  // namespace

void append_otlp_json_span(std::string& out, const SpanData& span) {
  out.append("{\"traceId\":\"");
  append_hex(out, span.context.trace_id);
  out.push_back('"');
  append_hex_member(out, "spanId", span.context.span_id);
  if (!span.context.trace_state.empty()) {
    out.append(",\"traceState\":");
    append_json_string(out, span.context.trace_state);
  }
  if (span.parent_span_id.valid()) append_hex_member(out, "parentSpanId", span.parent_span_id);
  out.append(",\"flags\":");
  append_integer(out, otlp_span_flags(span));
  out.append(",\"name\":");
  append_json_string(out, span.name);
  out.append(",\"kind\":");
  append_integer(out, static_cast<int>(span.kind));
  out.append(",\"startTimeUnixNano\":");
  append_quoted_integer(out, span.start_unix_nanos);
  out.append(",\"endTimeUnixNano\":");
  append_quoted_integer(out, span.end_unix_nanos);
  if (!span.attributes.empty()) {
    out.append(",\"attributes\":[");
    for (std::size_t i = 0; i < span.attributes.size(); ++i) {
      if (i > 0) out.push_back(',');
      const AttributeView attribute = span.attributes[i];
      append_key_value(out, attribute.key, attribute.value);
    }
    out.push_back(']');
  }
  if (span.attributes.dropped() > 0) {
    out.append(",\"droppedAttributesCount\":");
    append_integer(out, span.attributes.dropped());
  }
  if (span.status != StatusCode::kUnset) {
    out.append(",\"status\":{");
    if (!span.status_message.empty()) {
      out.append("\"message\":");
      append_json_string(out, span.status_message);
      out.push_back(',');
    }
    out.append("\"code\":");
    append_integer(out, static_cast<int>(span.status));
    out.push_back('}');
  }
  out.push_back('}');
}

OtlpJsonEncoder::OtlpJsonEncoder(const Resource& resource, std::string_view scope_version) {
  resource_.append("{\"attributes\":[");
  bool first = true;
  for (const auto& [key, value] : resource.attributes) {
    if (!first) resource_.push_back(',');
    first = false;
    append_key_value(resource_, key, std::string_view(value));
  }
  resource_.append("]}");
  scope_.append("{\"name\":");
  append_json_string(scope_, kInstrumentationScopeName);
  if (!scope_version.empty()) {
    scope_.append(",\"version\":");
    append_json_string(scope_, scope_version);
  }
  scope_.push_back('}');
}

void OtlpJsonEncoder::encode(SpanBatch spans, std::string& out) const {
  out.clear();
  out.append("{\"resourceSpans\":[");
  if (!spans.empty()) {
    out.append("{\"resource\":");
    out.append(resource_);
    out.append(",\"scopeSpans\":[{\"scope\":");
    out.append(scope_);
    out.append(",\"spans\":[");
    for (std::size_t i = 0; i < spans.size(); ++i) {
      if (i > 0) out.push_back(',');
      append_otlp_json_span(out, *spans[i]);
    }
    out.append("]}]}");
  }
  out.append("]}");
}

}  // namespace glassbox::telemetry::trace
