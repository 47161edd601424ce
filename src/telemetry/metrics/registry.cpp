#include "telemetry/metrics/registry.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "telemetry/metrics/names.hpp"
#include "telemetry/metrics/text_escape.hpp"

namespace glassbox::telemetry::metrics {
namespace {

[[noreturn]] void conflict(std::string_view name, std::string_view what) {
  throw std::invalid_argument("metric family '" + std::string(name) + "' is already registered " +
                              std::string(what));
}

bool same_config(const Counter::Config&, const Counter::Config&) {
  return true;
}
bool same_config(const Gauge::Config&, const Gauge::Config&) {
  return true;
}
bool same_config(const Histogram::Config& a, const Histogram::Config& b) {
  return *a.upper_bounds == *b.upper_bounds;
}

template <typename Names>
bool any_taken(const std::set<std::string, std::less<>>& taken, const Names& names) {
  return std::any_of(names.begin(), names.end(),
                     [&taken](const std::string& name) { return taken.contains(name); });
}

}  // namespace

Registry::Registry(RegistryOptions options) : options_(options) {}

Registry::~Registry() = default;

template <typename Metric>
Family<Metric>& Registry::register_family(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          typename Metric::Config config) {
  check_family_names(Metric::kType, name, label_names);
  std::unique_lock lock(mutex_);
  if (const auto found = families_.find(name); found != families_.end()) {
    auto* existing = std::get_if<std::unique_ptr<Family<Metric>>>(&found->second);
    if (existing == nullptr) {
      conflict(name, "with another type");
    }
    Family<Metric>& family = **existing;
    if (family.label_names() != label_names) {
      conflict(name, "with other label names");
    }
    if (!same_config(family.config(), config)) {
      conflict(name, "with other bucket bounds");
    }
    return family;
  }
  const std::vector<std::string> names = exposed_names(Metric::kType, name);
  if (any_taken(exposed_names_, names)) {
    throw std::invalid_argument("metric family '" + name +
                                "' would clash with the samples of a registered family");
  }
  auto family = std::make_unique<Family<Metric>>(name, to_valid_utf8(help), std::move(label_names),
                                                 std::move(config), options_.clock);
  Family<Metric>& result = *family;
  families_.emplace(std::move(name), std::move(family));
  exposed_names_.insert(names.begin(), names.end());
  return result;
}

CounterFamily& Registry::counter_family(std::string name, std::string help,
                                        std::vector<std::string> label_names) {
  return register_family<Counter>(std::move(name), std::move(help), std::move(label_names),
                                  Counter::Config{options_.shard_count});
}

GaugeFamily& Registry::gauge_family(std::string name, std::string help,
                                    std::vector<std::string> label_names) {
  return register_family<Gauge>(std::move(name), std::move(help), std::move(label_names),
                                Gauge::Config{options_.shard_count});
}

HistogramFamily& Registry::histogram_family(std::string name, std::string help,
                                            std::vector<std::string> label_names,
                                            std::vector<double> bucket_upper_bounds) {
  if (const auto problem = validate_buckets(bucket_upper_bounds)) {
    throw std::invalid_argument("metric family '" + name + "': " + *problem);
  }
  Histogram::Config config{
      std::make_shared<const std::vector<double>>(std::move(bucket_upper_bounds)), options_.clock,
      options_.shard_count};
  return register_family<Histogram>(std::move(name), std::move(help), std::move(label_names),
                                    std::move(config));
}

Counter& Registry::counter(std::string name, std::string help) {
  return counter_family(std::move(name), std::move(help)).with({});
}

Gauge& Registry::gauge(std::string name, std::string help) {
  return gauge_family(std::move(name), std::move(help)).with({});
}

Histogram& Registry::histogram(std::string name, std::string help,
                               std::vector<double> bucket_upper_bounds) {
  return histogram_family(std::move(name), std::move(help), {}, std::move(bucket_upper_bounds))
      .with({});
}

void Registry::add_collector(Collector collector) {
  std::unique_lock lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::vector<CollectedFamily> Registry::run_collectors() const {
  std::vector<Collector> collectors;
  {
    std::shared_lock lock(mutex_);
    collectors = collectors_;
  }
  std::vector<CollectedFamily> collected;
  for (const Collector& collector : collectors) {
    MetricSink sink;
    try {
      collector(sink);
    } catch (const std::exception&) {
      continue;  // this collector's output is lost for this scrape only
    }
    for (CollectedFamily& family : sink.families()) {
      collected.push_back(std::move(family));
    }
  }
  return collected;
}

void Registry::visit_families(const std::function<void(const FamilyView&)>& visit) const {
  std::vector<CollectedFamily> collected = run_collectors();
  std::shared_lock lock(mutex_);
  // Keep each collected family only if its names are still free; first come, first kept.
  std::set<std::string, std::less<>> taken_by_collected;
  std::vector<const CollectedFamily*> kept;
  for (const CollectedFamily& family : collected) {
    const std::vector<std::string> names = exposed_names(family.type, family.name);
    if (!any_taken(exposed_names_, names) && !any_taken(taken_by_collected, names)) {
      taken_by_collected.insert(names.begin(), names.end());
      kept.push_back(&family);
    }
  }
  std::sort(kept.begin(), kept.end(),
            [](const CollectedFamily* a, const CollectedFamily* b) { return a->name < b->name; });
  auto next_collected = kept.begin();
  for (const auto& [name, entry] : families_) {
    for (; next_collected != kept.end() && (*next_collected)->name < name; ++next_collected) {
      visit(FamilyView(*next_collected));
    }
    std::visit([&visit](const auto& family) { visit(FamilyView(family.get())); }, entry);
  }
  for (; next_collected != kept.end(); ++next_collected) {
    visit(FamilyView(*next_collected));
  }
}

}  // namespace glassbox::telemetry::metrics
