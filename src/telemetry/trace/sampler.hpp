#pragma once

#include <cstdint>
#include <string>

#include "telemetry/trace/ids.hpp"
#include "telemetry/trace/trace_context.hpp"

namespace glassbox::telemetry::trace {

// The OTEL_TRACES_SAMPLER values.
enum class SamplerKind {
  kAlwaysOn,
  kAlwaysOff,
  kTraceIdRatio,
  kParentBasedAlwaysOn,
  kParentBasedAlwaysOff,
  kParentBasedTraceIdRatio,
};

// 2^56: TraceIdRatioBased reads the rightmost 7 bytes (56 bits) of the trace id.
inline constexpr std::uint64_t kRandomnessRange = std::uint64_t{1} << 56;

// The randomness value R of a trace id: its least-significant 56 bits (OpenTelemetry SDK
// spec, TraceIdRatioBased, after W3C Trace Context level 2).
constexpr std::uint64_t trace_id_randomness(TraceId id) noexcept {
  return id.low & (kRandomnessRange - 1);
}

// The rejection threshold T for a sampling ratio: (1 - ratio) * 2^56, rounded; a trace is
// sampled when R >= T. ratio 1 gives 0 (all), ratio 0 gives 2^56 (none). `ratio` must be in
// [0, 1].
std::uint64_t rejection_threshold(double ratio) noexcept;

// Decides at span start whether a span is recorded and exported (sets the sampled flag).
// The built-in samplers of the OpenTelemetry SDK spec: AlwaysOn, AlwaysOff,
// TraceIdRatioBased (deterministic in the trace id, ignores the parent), and ParentBased
// with its default delegates (a parent's sampled flag decides, local or remote; a root span
// — no parent, or an invalid one — asks the root sampler).
//
// Immutable after construction; should_sample is thread-safe, allocation-free and noexcept.
class Sampler {
 public:
  // Throws std::invalid_argument when `ratio` is NaN or outside [0, 1], whatever the kind
  // (a configuration error, found at start-up).
  explicit Sampler(SamplerKind kind = SamplerKind::kParentBasedAlwaysOn, double ratio = 1.0);

  // `parent` is the parent span's context, or nullptr for a root span.
  bool should_sample(const SpanContext* parent, TraceId trace_id) const noexcept;

  SamplerKind kind() const noexcept { return kind_; }
  // "AlwaysOnSampler", "TraceIdRatioBased{0.250000}", "ParentBased{root=AlwaysOnSampler}"...
  std::string description() const;

 private:
  bool root_decision(TraceId trace_id) const noexcept;

  SamplerKind kind_;
  double ratio_;
  std::uint64_t threshold_;
};

}  // namespace glassbox::telemetry::trace
