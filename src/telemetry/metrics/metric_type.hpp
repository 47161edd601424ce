#pragma once

#include <cstdint>
#include <string_view>

namespace glassbox::telemetry::metrics {

enum class MetricType : std::uint8_t { kCounter, kGauge, kHistogram };

// The word the TYPE line uses: "counter", "gauge", "histogram" (the same in both formats).
std::string_view type_name(MetricType type);

// Wall-clock source for `_created` samples and exemplar timestamps: nanoseconds since the
// Unix epoch. A plain function pointer, so the hot path pays one indirect call and tests
// can inject a fixed time.
using WallClock = std::int64_t (*)() noexcept;

// std::chrono::system_clock::now() in nanoseconds since the epoch (about 25 ns a call).
std::int64_t system_clock_nanos() noexcept;

// The wall clock at the kernel tick's resolution (CLOCK_REALTIME_COARSE: a few
// milliseconds, for about 5 ns a call). The default for exemplar timestamps and `_created`,
// which are written with millisecond precision anyway.
std::int64_t coarse_system_clock_nanos() noexcept;

}  // namespace glassbox::telemetry::metrics
