#include "telemetry/metrics/metric_type.hpp"

#include <time.h>

#include <chrono>

namespace glassbox::telemetry::metrics {

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "unknown";
}

std::int64_t system_clock_nanos() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t coarse_system_clock_nanos() noexcept {
  constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
  timespec now{};
  if (::clock_gettime(CLOCK_REALTIME_COARSE, &now) != 0) {
    return system_clock_nanos();
  }
  return static_cast<std::int64_t>(now.tv_sec) * kNanosPerSecond + now.tv_nsec;
}

}  // namespace glassbox::telemetry::metrics
