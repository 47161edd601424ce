#include "telemetry/metrics/names.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace glassbox::telemetry::metrics {
namespace {

constexpr std::string_view kTotalSuffix = "_total";

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Shared by both grammars; metric names also allow ':'.
bool is_valid_name(std::string_view name, bool allow_colon) {
  if (name.empty() || name.front() == '_' || is_digit(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [allow_colon](char c) {
    return is_letter(c) || is_digit(c) || c == '_' || (allow_colon && c == ':');
  });
}

[[noreturn]] void reject(std::string_view family, std::string_view problem) {
  throw std::invalid_argument("metric family '" + std::string(family) +
                              "': " + std::string(problem));
}

}  // namespace

bool is_valid_metric_name(std::string_view name) {
  return is_valid_name(name, true);
}

bool is_valid_label_name(std::string_view name) {
  return is_valid_name(name, false);
}

void check_family_names(MetricType type, std::string_view name,
                        std::span<const std::string> label_names) {
  if (!is_valid_metric_name(name)) {
    reject(name, "invalid metric name (expected [a-zA-Z:][a-zA-Z0-9_:]*)");
  }
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!is_valid_label_name(label)) {
      reject(name, "invalid label name '" + label + "' (expected [a-zA-Z][a-zA-Z0-9_]*)");
    }
    if (type == MetricType::kHistogram && label == "le") {
      reject(name, "a histogram cannot have a label named 'le'");
    }
    if (std::find(label_names.begin(), label_names.begin() + static_cast<std::ptrdiff_t>(i),
                  label) != label_names.begin() + static_cast<std::ptrdiff_t>(i)) {
      reject(name, "label name '" + label + "' given twice");
    }
  }
}

std::optional<std::string> validate_buckets(const std::vector<double>& upper_bounds) {
  if (upper_bounds.empty()) {
    return "at least one bucket upper bound is needed (+Inf is implicit)";
  }
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    const double bound = upper_bounds[i];
    if (!std::isfinite(bound) || bound <= 0) {
      return "bucket upper bound #" + std::to_string(i + 1) + " is not a positive finite number";
    }
    if (i > 0 && bound <= upper_bounds[i - 1]) {
      return "bucket upper bound #" + std::to_string(i + 1) +
             " does not exceed the bound before it (bounds must be strictly increasing)";
    }
  }
  return std::nullopt;
}

std::string_view openmetrics_family_name(MetricType type, std::string_view name) {
  if (type == MetricType::kCounter && name.size() > kTotalSuffix.size() &&
      name.ends_with(kTotalSuffix)) {
    name.remove_suffix(kTotalSuffix.size());
  }
  return name;
}

std::vector<std::string> exposed_names(MetricType type, std::string_view name) {
  const std::string base(openmetrics_family_name(type, name));
  switch (type) {
    case MetricType::kCounter:
      return {base, base + "_total", base + "_created", std::string(name)};
    case MetricType::kGauge:
      return {base};
    case MetricType::kHistogram:
      return {base, base + "_bucket", base + "_count", base + "_sum", base + "_created"};
  }
  return {base};
}

}  // namespace glassbox::telemetry::metrics
