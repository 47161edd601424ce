#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/metrics/metric_type.hpp"

// The naming rules of the Prometheus text format 0.0.4 and OpenMetrics 1.0, checked once
// when a family is registered so that nothing invalid can reach an exposition.
namespace glassbox::telemetry::metrics {

// [a-zA-Z_:][a-zA-Z0-9_:]*, not starting with '_' (OpenMetrics reserves those).
bool is_valid_metric_name(std::string_view name);

// [a-zA-Z_][a-zA-Z0-9_]*, not starting with '_' (reserved, e.g. __name__).
bool is_valid_label_name(std::string_view name);

// Throws std::invalid_argument saying which name is wrong and why: an invalid metric name,
// an invalid or repeated label name, or `le` on a histogram (the bucket label).
void check_family_names(MetricType type, std::string_view name,
                        std::span<const std::string> label_names);

// Histogram bucket upper bounds must be finite, positive and strictly increasing, and there
// must be at least one (+Inf is implicit and must not be listed). Returns what is wrong, or
// nothing when the list is valid. The same rule the GLASSBOX_LATENCY_BUCKETS parser applies.
std::optional<std::string> validate_buckets(const std::vector<double>& upper_bounds);

// The MetricFamily name OpenMetrics uses: a counter's trailing "_total" is dropped
// (`http_requests_total` -> `http_requests`); every other name is unchanged.
std::string_view openmetrics_family_name(MetricType type, std::string_view name);

// Every family or sample name a family of this type and name can put in either format
// (for a counter `x_total`: x, x_total, x_created). Two families clash when these overlap.
std::vector<std::string> exposed_names(MetricType type, std::string_view name);

}  // namespace glassbox::telemetry::metrics
