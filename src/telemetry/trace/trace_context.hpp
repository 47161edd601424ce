#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "telemetry/trace/ids.hpp"

namespace glassbox::telemetry::trace {

// The W3C trace-flags bit for "sampled"; the only one Trace Context level 1 defines.
inline constexpr std::uint8_t kSampledFlag = 0x01;

// What one span passes to its children and to the next service: ids, flags, tracestate.
// A plain value; copying it copies the tracestate string.
struct SpanContext {
  TraceId trace_id;
  SpanId span_id;
  std::uint8_t trace_flags = 0;
  bool remote = false;      // parsed from a header rather than made in this process
  std::string trace_state;  // validated W3C tracestate, carried opaquely ("" when none)

  bool valid() const noexcept { return trace_id.valid() && span_id.valid(); }
  bool sampled() const noexcept { return (trace_flags & kSampledFlag) != 0; }
};

// Parses a `traceparent` header value (W3C Trace Context level 1, "Versioning of
// traceparent"): optional spaces/tabs around it are ignored; version 00 must be exactly
// "00-<32 hex>-<16 hex>-<2 hex>"; a higher version is read by its first four fields when
// what follows the flags is nothing or a new "-" field. Refused (nullopt): version ff,
// upper-case or non-hex digits, wrong field lengths, an all-zero trace or parent id, and
// anything shorter than 55 characters. The result is `remote`, with no trace_state.
// Pure and thread-safe; never throws.
std::optional<SpanContext> parse_traceparent(std::string_view value) noexcept;

// parse_traceparent, then the `tracestate` value (all header lines joined with ",") through
// normalize_tracestate. The W3C rule: no tracestate without a valid traceparent, and a bad
// tracestate never invalidates the traceparent (it is dropped instead).
std::optional<SpanContext> extract_context(std::string_view traceparent,
                                           std::string_view tracestate);

// "00-<trace id>-<span id>-<flags>", the form to send onwards; only the sampled flag is
// kept (W3C: other flags are set to zero). Pure; never throws except std::bad_alloc.
void append_traceparent(std::string& out, const SpanContext& context);
std::string format_traceparent(const SpanContext& context);

}  // namespace glassbox::telemetry::trace
