#include "telemetry/metrics/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace glassbox::telemetry::metrics {

Histogram::Histogram(Config config)
    : upper_bounds_(std::move(config.upper_bounds)),
      clock_(config.clock),
      bucket_count_(upper_bounds_->size() + 1) {
  const std::size_t shard_count = detail::normalized_shard_count(config.shard_count);
  shard_mask_ = shard_count - 1;
  const std::size_t words_per_shard = bucket_count_ + 1;  // + the sum
  lines_per_shard_ = (words_per_shard + detail::CacheLine::kWords - 1) / detail::CacheLine::kWords;
  counts_ = std::make_unique<detail::CacheLine[]>(shard_count * lines_per_shard_);
  exemplars_ = std::make_unique<detail::ExemplarSlot[]>(shard_count * bucket_count_);
}

std::atomic<std::uint64_t>& Histogram::word(std::size_t shard, std::size_t index) const noexcept {
  return counts_[shard * lines_per_shard_ + index / detail::CacheLine::kWords]
      .words[index % detail::CacheLine::kWords];
}

detail::ExemplarSlot& Histogram::exemplar_slot(std::size_t shard,
                                               std::size_t bucket) const noexcept {
  return exemplars_[shard * bucket_count_ + bucket];
}

bool Histogram::count(double& value, std::size_t& shard, std::size_t& bucket) noexcept {
  if (!std::isfinite(value)) {
    return false;
  }
  value = std::max(value, 0.0);
  const std::vector<double>& bounds = *upper_bounds_;
  // The first bound >= value: buckets hold the values less than or equal to their bound.
  bucket = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) -
                                    bounds.begin());
  shard = detail::current_shard(shard_mask_);
  word(shard, bucket).fetch_add(1, std::memory_order_relaxed);
  detail::add_to_double_bits(word(shard, bucket_count_), value);
  return true;
}

void Histogram::observe(double value) noexcept {
  std::size_t shard = 0;
  std::size_t bucket = 0;
  count(value, shard, bucket);
}

void Histogram::observe(double value, TraceId trace_id) noexcept {
  std::size_t shard = 0;
  std::size_t bucket = 0;
  if (count(value, shard, bucket)) {
    exemplar_slot(shard, bucket).try_store(Exemplar{trace_id, value, clock_()});
  }
}

void Histogram::snapshot(Snapshot& out) const {
  out.cumulative_counts.assign(bucket_count_, 0);
  out.exemplars.assign(bucket_count_, std::nullopt);
  out.sum = 0;
  for (std::size_t shard = 0; shard <= shard_mask_; ++shard) {
    for (std::size_t bucket = 0; bucket < bucket_count_; ++bucket) {
      out.cumulative_counts[bucket] += word(shard, bucket).load(std::memory_order_relaxed);
      // Of the shards' exemplars for a bucket, the most recent one stands for it.
      auto exemplar = exemplar_slot(shard, bucket).load();
      std::optional<Exemplar>& kept = out.exemplars[bucket];
      if (exemplar && (!kept || exemplar->timestamp_nanos > kept->timestamp_nanos)) {
        kept = exemplar;
      }
    }
    out.sum += detail::load_double_bits(word(shard, bucket_count_));
  }
  for (std::size_t bucket = 1; bucket < bucket_count_; ++bucket) {
    out.cumulative_counts[bucket] += out.cumulative_counts[bucket - 1];
  }
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot out;
  snapshot(out);
  return out;
}

}  // namespace glassbox::telemetry::metrics
