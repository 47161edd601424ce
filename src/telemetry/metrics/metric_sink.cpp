#include "telemetry/metrics/metric_sink.hpp"

#include <algorithm>
#include <stdexcept>

#include "telemetry/metrics/label_set.hpp"
#include "telemetry/metrics/names.hpp"
#include "telemetry/metrics/text_escape.hpp"

namespace glassbox::telemetry::metrics {
namespace {

bool acceptable(const CollectedFamily& family) {
  if (family.type == MetricType::kHistogram) {
    return false;
  }
  try {
    check_family_names(family.type, family.name, family.label_names);
  } catch (const std::invalid_argument&) {
    return false;
  }
  return std::all_of(family.samples.begin(), family.samples.end(),
                     [&family](const CollectedSample& sample) {
                       return sample.label_values.size() == family.label_names.size();
                     });
}

void normalize(CollectedFamily& family) {
  family.help = to_valid_utf8(family.help);
  for (CollectedSample& sample : family.samples) {
    for (std::string& value : sample.label_values) {
      if (!is_valid_utf8(value)) {
        value = to_valid_utf8(value);
      }
    }
  }
  const auto by_labels = [](const CollectedSample& a, const CollectedSample& b) {
    return detail::LabelValuesLess{}(a.label_values, b.label_values);
  };
  std::stable_sort(family.samples.begin(), family.samples.end(), by_labels);
  const auto same_labels = [](const CollectedSample& a, const CollectedSample& b) {
    return a.label_values == b.label_values;
  };
  family.samples.erase(std::unique(family.samples.begin(), family.samples.end(), same_labels),
                       family.samples.end());
}

}  // namespace

bool MetricSink::add(CollectedFamily family) {
  if (!acceptable(family)) {
    return false;
  }
  const bool taken = std::any_of(
      families_.begin(), families_.end(),
      [&family](const CollectedFamily& existing) { return existing.name == family.name; });
  if (taken) {
    return false;
  }
  normalize(family);
  families_.push_back(std::move(family));
  return true;
}

bool MetricSink::counter(std::string_view name, std::string_view help, double value) {
  return add(CollectedFamily{MetricType::kCounter,
                             std::string(name),
                             std::string(help),
                             {},
                             {CollectedSample{{}, value}}});
}

bool MetricSink::gauge(std::string_view name, std::string_view help, double value) {
  return add(CollectedFamily{
      MetricType::kGauge, std::string(name), std::string(help), {}, {CollectedSample{{}, value}}});
}

}  // namespace glassbox::telemetry::metrics
