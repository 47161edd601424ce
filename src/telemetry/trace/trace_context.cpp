#include "telemetry/trace/trace_context.hpp"

#include "telemetry/trace/http_text.hpp"
#include "telemetry/trace/tracestate.hpp"

namespace glassbox::telemetry::trace {
namespace {

// "vv-" + 32 + "-" + 16 + "-" + "ff": the length of a version 00 value.
constexpr std::size_t kVersion00Length = 55;
constexpr std::size_t kTraceIdOffset = 3;
constexpr std::size_t kSpanIdOffset = 36;
constexpr std::size_t kFlagsOffset = 53;

}  // namespace

std::optional<SpanContext> parse_traceparent(std::string_view value) noexcept {
  value = trim_ows(value);
  if (value.size() < kVersion00Length) return std::nullopt;
  std::uint64_t version = 0;
  if (!parse_lower_hex(value.substr(0, 2), version) || version == 0xFF || value[2] != '-') {
    return std::nullopt;
  }
  if (value[kSpanIdOffset - 1] != '-' || value[kFlagsOffset - 1] != '-') return std::nullopt;
  // Version 00 has exactly four fields; a later version may add fields after a dash.
  if (version == 0 ? value.size() != kVersion00Length
                   : value.size() > kVersion00Length && value[kVersion00Length] != '-') {
    return std::nullopt;
  }
  const auto trace_id = parse_trace_id_hex(value.substr(kTraceIdOffset, kTraceIdHexLength));
  const auto span_id = parse_span_id_hex(value.substr(kSpanIdOffset, kSpanIdHexLength));
  std::uint64_t flags = 0;
  if (!trace_id || !span_id || !parse_lower_hex(value.substr(kFlagsOffset, 2), flags) ||
      !trace_id->valid() || !span_id->valid()) {
    return std::nullopt;
  }
  SpanContext context;
  context.trace_id = *trace_id;
  context.span_id = *span_id;
  context.trace_flags = static_cast<std::uint8_t>(flags);
  context.remote = true;
  return context;
}

std::optional<SpanContext> extract_context(std::string_view traceparent,
                                           std::string_view tracestate) {
  auto context = parse_traceparent(traceparent);
  if (context) context->trace_state = normalize_tracestate(tracestate);
  return context;
}

void append_traceparent(std::string& out, const SpanContext& context) {
  out.append("00-");
  append_hex(out, context.trace_id);
  out.push_back('-');
  append_hex(out, context.span_id);
  out.append(context.sampled() ? "-01" : "-00");
}

std::string format_traceparent(const SpanContext& context) {
  std::string out;
  out.reserve(kVersion00Length);
  append_traceparent(out, context);
  return out;
}

}  // namespace glassbox::telemetry::trace
