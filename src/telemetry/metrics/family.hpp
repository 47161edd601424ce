#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "telemetry/metrics/label_set.hpp"
#include "telemetry/metrics/metric_type.hpp"

namespace glassbox::telemetry::metrics {

// All series of one metric name, one per combination of label values; made by the Registry.
//
// with() finds or creates a series and returns a reference that stays valid for the
// registry's lifetime: resolve it once (when a route is registered, say) and keep it for the
// hot path. with() itself is thread-safe but not for the hot path: it takes the family's
// lock and, for a new series, allocates.
//
// Odd input: a number of values different from the number of label names throws
// std::invalid_argument. Invalid UTF-8 in a value is replaced by U+FFFD before lookup, so
// two values that differ only in their invalid bytes name the same series.
template <typename Metric>
class Family {
 public:
  struct Series {
    Series(std::vector<std::string> values, std::string labels, std::int64_t created,
           const typename Metric::Config& config)
        : label_values(std::move(values)),
          rendered_labels(std::move(labels)),
          created_nanos(created),
          metric(config) {}

    const std::vector<std::string> label_values;
    const std::string rendered_labels;  // `a="x",b="y"`, escaped, without braces
    const std::int64_t created_nanos;   // for OpenMetrics' `_created`
    Metric metric;
  };

  Family(std::string name, std::string help, std::vector<std::string> label_names,
         typename Metric::Config config, WallClock clock)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        config_(std::move(config)),
        clock_(clock) {}
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  Metric& with(std::initializer_list<std::string_view> label_values) {
    return with(std::span<const std::string_view>(label_values.begin(), label_values.size()));
  }
  Metric& with(const std::vector<std::string>& label_values) {
    const std::vector<std::string_view> views(label_values.begin(), label_values.end());
    return with(std::span<const std::string_view>(views));
  }
  Metric& with(std::span<const std::string_view> label_values) {
    detail::check_label_count(name_, label_names_.size(), label_values.size());
    if (auto repaired = detail::repaired_label_values(label_values)) {
      return with(*repaired);
    }
    {
      std::shared_lock lock(mutex_);
      if (const auto found = series_.find(label_values); found != series_.end()) {
        return found->second->metric;
      }
    }
    std::unique_lock lock(mutex_);
    auto found = series_.find(label_values);
    if (found == series_.end()) {
      std::vector<std::string> values(label_values.begin(), label_values.end());
      std::string labels = detail::render_labels(label_names_, values);
      auto series = std::make_unique<Series>(values, std::move(labels), clock_(), config_);
      found = series_.emplace(std::move(values), std::move(series)).first;
    }
    return found->second->metric;
  }

  static constexpr MetricType type() { return Metric::kType; }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const typename Metric::Config& config() const { return config_; }

  std::size_t size() const {
    std::shared_lock lock(mutex_);
    return series_.size();
  }

  // Calls visit(const Series&) for every series in label-value order, holding the family's
  // shared lock: with() for a new series waits until it returns, recording never does.
  template <typename Visit>
  void for_each_series(Visit&& visit) const {
    std::shared_lock lock(mutex_);
    for (const auto& entry : series_) {
      visit(*entry.second);
    }
  }

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const typename Metric::Config config_;
  const WallClock clock_;
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>, detail::LabelValuesLess> series_;
};

}  // namespace glassbox::telemetry::metrics
