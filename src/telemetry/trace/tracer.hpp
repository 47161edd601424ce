#pragma once

#include <initializer_list>
#include <string_view>
#include <variant>

#include "telemetry/trace/random_ids.hpp"
#include "telemetry/trace/sampler.hpp"
#include "telemetry/trace/span.hpp"
#include "telemetry/trace/span_processor.hpp"

namespace glassbox::telemetry::trace {

// Where new ids come from; injectable so tests get known ids.
struct IdSource {
  TraceId (*trace_id)() = &random_trace_id;
  SpanId (*span_id)() = &random_span_id;
};

struct TracerOptions {
  Sampler sampler;
  // Receives sampled spans at their end; nullptr (OTEL_SDK_DISABLED, exporter "none"):
  // spans get ids but record and export nothing, and are sent on as not sampled.
  SpanProcessor* processor = nullptr;
  UnixNanosClock clock = &system_unix_nanos;
  IdSource ids;
};

// An attribute given at span start: {"http.route", route}. Integers must be int64-typed or
// narrower and signed-convertible without narrowing (cast a size_t).
struct SpanAttribute {
  AttributeKey key;
  std::variant<std::string_view, std::int64_t, double, bool> value;
};

// Starts spans: applies the sampler, makes ids, links a child to its parent.
//
// Thread-safe (immutable after construction); start_span allocates only for a recording
// span (its SpanData). The processor must outlive the Tracer and every span it started.
class Tracer {
 public:
  explicit Tracer(TracerOptions options) : options_(options) {}

  // `parent`: the context of the parent span — a remote one from extract_context() for a
  // SERVER span, or another span's context() for a child — or nullptr for a new trace. An
  // invalid parent counts as none. The child keeps the parent's trace id and tracestate.
  Span start_span(std::string_view name, SpanKind kind, const SpanContext* parent = nullptr,
                  std::initializer_list<SpanAttribute> attributes = {}) const;

  const Sampler& sampler() const noexcept { return options_.sampler; }

 private:
  TracerOptions options_;
};

}  // namespace glassbox::telemetry::trace
