#include "telemetry/trace/sampler.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace glassbox::telemetry::trace {
namespace {

bool parent_based(SamplerKind kind) {
  return kind == SamplerKind::kParentBasedAlwaysOn || kind == SamplerKind::kParentBasedAlwaysOff ||
         kind == SamplerKind::kParentBasedTraceIdRatio;
}

std::string ratio_description(double ratio) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "TraceIdRatioBased{%f}", ratio);
  return buffer;
}

}  // namespace

std::uint64_t rejection_threshold(double ratio) noexcept {
  // ratio * 2^56 is exact in a double (a power-of-two scale), so only one rounding happens.
  const double kept = std::round(ratio * static_cast<double>(kRandomnessRange));
  return kRandomnessRange - static_cast<std::uint64_t>(kept);
}

Sampler::Sampler(SamplerKind kind, double ratio) : kind_(kind), ratio_(ratio), threshold_(0) {
  if (!(ratio >= 0.0 && ratio <= 1.0)) {
    throw std::invalid_argument("sampler ratio must be a number from 0 to 1");
  }
  threshold_ = rejection_threshold(ratio);
}

bool Sampler::root_decision(TraceId trace_id) const noexcept {
  switch (kind_) {
    case SamplerKind::kAlwaysOn:
    case SamplerKind::kParentBasedAlwaysOn:
      return true;
    case SamplerKind::kAlwaysOff:
    case SamplerKind::kParentBasedAlwaysOff:
      return false;
    case SamplerKind::kTraceIdRatio:
    case SamplerKind::kParentBasedTraceIdRatio:
      return trace_id_randomness(trace_id) >= threshold_;
  }
  return false;
}

bool Sampler::should_sample(const SpanContext* parent, TraceId trace_id) const noexcept {
  if (parent_based(kind_) && parent != nullptr && parent->valid()) return parent->sampled();
  return root_decision(trace_id);
}

std::string Sampler::description() const {
  switch (kind_) {
    case SamplerKind::kAlwaysOn:
      return "AlwaysOnSampler";
    case SamplerKind::kAlwaysOff:
      return "AlwaysOffSampler";
    case SamplerKind::kTraceIdRatio:
      return ratio_description(ratio_);
    case SamplerKind::kParentBasedAlwaysOn:
      return "ParentBased{root=AlwaysOnSampler}";
    case SamplerKind::kParentBasedAlwaysOff:
      return "ParentBased{root=AlwaysOffSampler}";
    case SamplerKind::kParentBasedTraceIdRatio:
      return "ParentBased{root=" + ratio_description(ratio_) + "}";
  }
  return {};
}

}  // namespace glassbox::telemetry::trace
