#pragma once

#include <string>
#include <vector>

#include "telemetry/metrics/format.hpp"
#include "telemetry/metrics/registry.hpp"

// How each kind of family is spelled in each format; used by serialize() only.
namespace glassbox::telemetry::metrics::detail {

class FamilyWriter {
 public:
  FamilyWriter(Format format, std::string& out) : format_(format), out_(out) {}

  void write(const CounterFamily& family);
  void write(const GaugeFamily& family);
  void write(const HistogramFamily& family);
  void write(const CollectedFamily& family);

 private:
  void metadata(MetricType type, const std::string& name, const std::string& help);
  void sample_name(std::string_view name, std::string_view suffix, std::string_view labels);
  void bucket_lines(std::string_view name, std::string_view labels,
                    const std::vector<std::string>& bounds);
  void exemplar(const Exemplar& exemplar);
  void created(std::string_view family_name, std::string_view labels, std::int64_t nanos);

  const Format format_;
  std::string& out_;
  Histogram::Snapshot snapshot_;  // reused for every histogram series
  std::string labels_;            // reused for collected samples
};

}  // namespace glassbox::telemetry::metrics::detail
