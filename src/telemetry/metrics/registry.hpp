#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <shared_mutex>
#include <string>
#include <variant>
#include <vector>

#include "telemetry/metrics/counter.hpp"
#include "telemetry/metrics/family.hpp"
#include "telemetry/metrics/gauge.hpp"
#include "telemetry/metrics/histogram.hpp"
#include "telemetry/metrics/metric_sink.hpp"

namespace glassbox::telemetry::metrics {

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

struct RegistryOptions {
  WallClock clock = &coarse_system_clock_nanos;  // `_created` and exemplar timestamps
  // Shards per counter, gauge and histogram; 0: one per CPU (at most 16).
  std::size_t shard_count = 0;
};

// Owns every metric family and collector; what the exposition reads.
//
// Thread-safe. Registration takes an exclusive lock and is meant for start-up; everything
// it returns is owned by the registry and stays valid (at the same address) for the
// registry's lifetime, so callers keep references for the hot path.
//
// Registering a name again with the same type, label names (and, for a histogram, the same
// bounds) returns the family already there; its first help text stays. Any other
// re-registration throws std::invalid_argument, as do invalid names (see names.hpp), invalid
// buckets (validate_buckets) and names whose samples would clash with another family's in
// either format (a gauge `x` next to a counter `x_total`, say).
class Registry {
 public:
  Registry() : Registry(RegistryOptions{}) {}
  explicit Registry(RegistryOptions options);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily& counter_family(std::string name, std::string help,
                                std::vector<std::string> label_names = {});
  GaugeFamily& gauge_family(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  HistogramFamily& histogram_family(std::string name, std::string help,
                                    std::vector<std::string> label_names,
                                    std::vector<double> bucket_upper_bounds);

  // Label-less shortcuts: the family's only series.
  Counter& counter(std::string name, std::string help);
  Gauge& gauge(std::string name, std::string help);
  Histogram& histogram(std::string name, std::string help, std::vector<double> bucket_upper_bounds);

  // Adds a callback run at every scrape (see Collector). A collector that throws loses its
  // output for that scrape only; the families it reports must not clash with registered
  // ones or each other, or they are left out (see visit_families).
  void add_collector(Collector collector);

  using FamilyView = std::variant<const CounterFamily*, const GaugeFamily*, const HistogramFamily*,
                                  const CollectedFamily*>;

  // For the exposition: runs the collectors (no registry lock held), then, under a shared
  // lock, calls `visit` once per family in name order, registered and collected families
  // merged. Collected families whose names clash with a registered family, or with a
  // collected family before them, are left out.
  void visit_families(const std::function<void(const FamilyView&)>& visit) const;

 private:
  using Entry = std::variant<std::unique_ptr<CounterFamily>, std::unique_ptr<GaugeFamily>,
                             std::unique_ptr<HistogramFamily>>;

  template <typename Metric>
  Family<Metric>& register_family(std::string name, std::string help,
                                  std::vector<std::string> label_names,
                                  typename Metric::Config config);
  std::vector<CollectedFamily> run_collectors() const;

  const RegistryOptions options_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Entry, std::less<>> families_;
  std::set<std::string, std::less<>> exposed_names_;  // see names.hpp exposed_names()
  std::vector<Collector> collectors_;
};

}  // namespace glassbox::telemetry::metrics
