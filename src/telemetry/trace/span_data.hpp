#pragma once

#include <cstdint>
#include <string>

#include "telemetry/trace/attributes.hpp"
#include "telemetry/trace/ids.hpp"
#include "telemetry/trace/trace_context.hpp"

namespace glassbox::telemetry::trace {

// OTLP Span.SpanKind numbers (opentelemetry/proto/trace/v1/trace.proto).
enum class SpanKind : std::uint8_t {
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

// OTLP Status.StatusCode numbers.
enum class StatusCode : std::uint8_t {
  kUnset = 0,
  kOk = 1,
  kError = 2,
};

// Everything an exporter needs about one finished span. Built by Span, then owned by the
// processor and its exporter; read-only once ended.
struct SpanData {
  SpanContext context;         // this span's ids, flags and tracestate
  SpanId parent_span_id;       // invalid (zero) for a root span
  bool parent_remote = false;  // the parent came from a traceparent header
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::uint64_t start_unix_nanos = 0;
  std::uint64_t end_unix_nanos = 0;
  AttributeList attributes;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;  // only meaningful with StatusCode::kError

  // Back to a default-constructed span's values, keeping the strings' and attributes'
  // capacity (for SpanProcessor::new_span_data).
  void reset() noexcept {
    context.trace_id = {};
    context.span_id = {};
    context.trace_flags = 0;
    context.remote = false;
    context.trace_state.clear();
    parent_span_id = {};
    parent_remote = false;
    name.clear();
    kind = SpanKind::kInternal;
    start_unix_nanos = 0;
    end_unix_nanos = 0;
    attributes.clear();
    status = StatusCode::kUnset;
    status_message.clear();
  }
};

// The OTLP Span.flags value: bits 0-7 the W3C trace flags, bit 8 (SPAN_FLAGS_CONTEXT_HAS_
// IS_REMOTE) always set, bit 9 (SPAN_FLAGS_CONTEXT_IS_REMOTE) when the parent was remote.
inline std::uint32_t otlp_span_flags(const SpanData& span) noexcept {
  constexpr std::uint32_t kHasIsRemote = 0x100;
  constexpr std::uint32_t kIsRemote = 0x200;
  return span.context.trace_flags | kHasIsRemote | (span.parent_remote ? kIsRemote : 0);
}

}  // namespace glassbox::telemetry::trace
