#include "telemetry/trace/sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace glassbox::telemetry::trace {
namespace {

// A trace id whose randomness (rightmost 7 bytes) is `r`; the byte above it is noise the
// sampler must ignore.
TraceId with_randomness(std::uint64_t r) {
  return TraceId{0x1234, (0xABULL << 56) | r};
}

SpanContext parent(bool sampled, bool remote) {
  SpanContext context;
  context.trace_id = TraceId{1, 2};
  context.span_id = SpanId{3};
  context.trace_flags = sampled ? kSampledFlag : 0;
  context.remote = remote;
  return context;
}

TEST(Sampler, RejectionThresholdIsOneMinusRatioTimesTwoToTheFiftySix) {
  EXPECT_EQ(rejection_threshold(1.0), 0u);
  EXPECT_EQ(rejection_threshold(0.5), std::uint64_t{1} << 55);
  EXPECT_EQ(rejection_threshold(0.25), 0xC0000000000000u);
  EXPECT_EQ(rejection_threshold(0.0), kRandomnessRange);
  // The spec's 1% example: 0xfd70a4 at five hex digits of precision.
  EXPECT_EQ(rejection_threshold(0.01) >> 32, 0xfd70a3u);
}

TEST(Sampler, RandomnessIsTheRightmostSevenBytes) {
  EXPECT_EQ(trace_id_randomness(TraceId{~0ULL, 0xFF00000000000001}), 1u);
  EXPECT_EQ(trace_id_randomness(TraceId{0, ~0ULL}), kRandomnessRange - 1);
}

TEST(Sampler, TraceIdRatioSamplesExactlyFromTheThresholdUp) {
  const Sampler half(SamplerKind::kTraceIdRatio, 0.5);
  EXPECT_TRUE(half.should_sample(nullptr, with_randomness(std::uint64_t{1} << 55)));
  EXPECT_FALSE(half.should_sample(nullptr, with_randomness((std::uint64_t{1} << 55) - 1)));
  EXPECT_TRUE(half.should_sample(nullptr, with_randomness(kRandomnessRange - 1)));
  EXPECT_FALSE(half.should_sample(nullptr, with_randomness(0)));

  const Sampler quarter(SamplerKind::kTraceIdRatio, 0.25);
  EXPECT_TRUE(quarter.should_sample(nullptr, with_randomness(0xC0000000000000)));
  EXPECT_FALSE(quarter.should_sample(nullptr, with_randomness(0xBFFFFFFFFFFFFF)));
}

TEST(Sampler, RatioOneSamplesEverythingAndRatioZeroNothing) {
  const Sampler all(SamplerKind::kTraceIdRatio, 1.0);
  const Sampler none(SamplerKind::kTraceIdRatio, 0.0);
  for (const std::uint64_t r : {std::uint64_t{0}, std::uint64_t{1}, kRandomnessRange - 1}) {
    EXPECT_TRUE(all.should_sample(nullptr, with_randomness(r)));
    EXPECT_FALSE(none.should_sample(nullptr, with_randomness(r)));
  }
}

TEST(Sampler, TraceIdRatioIsConsistentAcrossRatios) {
  // Whatever a lower ratio samples, a higher one samples too (SDK spec requirement).
  for (std::uint64_t r = 0; r < kRandomnessRange; r += kRandomnessRange / 97) {
    bool sampled_before = false;
    for (const double ratio : {0.001, 0.01, 0.1, 0.3, 0.5, 0.9, 1.0}) {
      const bool sampled =
          Sampler(SamplerKind::kTraceIdRatio, ratio).should_sample(nullptr, with_randomness(r));
      EXPECT_TRUE(sampled || !sampled_before) << "r=" << r << " ratio=" << ratio;
      sampled_before = sampled;
    }
  }
}

TEST(Sampler, TraceIdRatioIgnoresTheParent) {
  const Sampler none(SamplerKind::kTraceIdRatio, 0.0);
  const SpanContext sampled_parent = parent(true, true);
  EXPECT_FALSE(none.should_sample(&sampled_parent, with_randomness(kRandomnessRange - 1)));
  const Sampler all(SamplerKind::kTraceIdRatio, 1.0);
  const SpanContext unsampled_parent = parent(false, true);
  EXPECT_TRUE(all.should_sample(&unsampled_parent, with_randomness(0)));
}

TEST(Sampler, AlwaysOnAndAlwaysOffIgnoreTheParent) {
  const SpanContext sampled_parent = parent(true, false);
  const SpanContext unsampled_parent = parent(false, false);
  EXPECT_TRUE(Sampler(SamplerKind::kAlwaysOn).should_sample(&unsampled_parent, {1, 1}));
  EXPECT_FALSE(Sampler(SamplerKind::kAlwaysOff).should_sample(&sampled_parent, {1, 1}));
}

TEST(Sampler, ParentBasedFollowsTheParentsSampledFlag) {
  for (const SamplerKind kind :
       {SamplerKind::kParentBasedAlwaysOn, SamplerKind::kParentBasedAlwaysOff,
        SamplerKind::kParentBasedTraceIdRatio}) {
    const Sampler sampler(kind, 0.5);
    for (const bool remote : {true, false}) {
      const SpanContext sampled_parent = parent(true, remote);
      const SpanContext unsampled_parent = parent(false, remote);
      EXPECT_TRUE(sampler.should_sample(&sampled_parent, with_randomness(0)));
      EXPECT_FALSE(sampler.should_sample(&unsampled_parent, with_randomness(kRandomnessRange - 1)));
    }
  }
}

TEST(Sampler, ParentBasedAsksTheRootSamplerWithoutAValidParent) {
  const SpanContext invalid_parent;  // e.g. from an inert span
  const Sampler on(SamplerKind::kParentBasedAlwaysOn);
  const Sampler off(SamplerKind::kParentBasedAlwaysOff);
  const Sampler ratio(SamplerKind::kParentBasedTraceIdRatio, 0.5);
  EXPECT_TRUE(on.should_sample(nullptr, {1, 1}));
  EXPECT_TRUE(on.should_sample(&invalid_parent, {1, 1}));
  EXPECT_FALSE(off.should_sample(nullptr, {1, 1}));
  EXPECT_TRUE(ratio.should_sample(nullptr, with_randomness(std::uint64_t{1} << 55)));
  EXPECT_FALSE(ratio.should_sample(nullptr, with_randomness((std::uint64_t{1} << 55) - 1)));
}

TEST(Sampler, RefusesARatioOutsideZeroToOne) {
  EXPECT_THROW(Sampler(SamplerKind::kTraceIdRatio, -0.1), std::invalid_argument);
  EXPECT_THROW(Sampler(SamplerKind::kTraceIdRatio, 1.1), std::invalid_argument);
  EXPECT_THROW(Sampler(SamplerKind::kParentBasedTraceIdRatio, std::nan("")), std::invalid_argument);
}

TEST(Sampler, DescribesItselfAsTheSpecSays) {
  EXPECT_EQ(Sampler(SamplerKind::kAlwaysOn).description(), "AlwaysOnSampler");
  EXPECT_EQ(Sampler(SamplerKind::kAlwaysOff).description(), "AlwaysOffSampler");
  EXPECT_EQ(Sampler(SamplerKind::kTraceIdRatio, 0.0001).description(),
            "TraceIdRatioBased{0.000100}");
  EXPECT_EQ(Sampler(SamplerKind::kParentBasedTraceIdRatio, 0.25).description(),
            "ParentBased{root=TraceIdRatioBased{0.250000}}");
}

}  // namespace
}  // namespace glassbox::telemetry::trace
