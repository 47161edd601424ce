#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/metrics/metric_type.hpp"

namespace glassbox::telemetry::metrics {

// One sample a collector reports: label values in the family's label-name order.
struct CollectedSample {
  std::vector<std::string> label_values;
  double value = 0;
};

// A counter or gauge family computed at scrape time (process metrics, pool occupancy...).
struct CollectedFamily {
  MetricType type = MetricType::kGauge;
  std::string name;
  std::string help;
  std::vector<std::string> label_names;
  std::vector<CollectedSample> samples;
};

// What a collector writes into while a scrape runs. Not thread-safe: each collector call
// gets its own sink.
//
// Odd input is dropped, never thrown (a scrape must not fail because one value is odd):
// add() returns false and keeps nothing when the family is a histogram, its name or a label
// name is invalid, a sample has the wrong number of label values, or a family of that name
// was already added. Invalid UTF-8 in help or label values is replaced by U+FFFD; samples
// are sorted by label values and a repeated label-value list keeps its first sample.
class MetricSink {
 public:
  bool add(CollectedFamily family);
  // A family with one label-less sample.
  bool counter(std::string_view name, std::string_view help, double value);
  bool gauge(std::string_view name, std::string_view help, double value);

  std::vector<CollectedFamily>& families() { return families_; }

 private:
  std::vector<CollectedFamily> families_;
};

// Called at every scrape, on the scraping thread, without any registry lock held.
using Collector = std::function<void(MetricSink&)>;

}  // namespace glassbox::telemetry::metrics
