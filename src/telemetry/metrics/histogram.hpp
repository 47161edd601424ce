#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "telemetry/metrics/exemplar.hpp"
#include "telemetry/metrics/metric_type.hpp"
#include "telemetry/metrics/shards.hpp"

namespace glassbox::telemetry::metrics {

// A distribution over fixed buckets (e.g. request latency), with an exemplar per bucket.
//
// Thread-safe, lock-free and allocation-free on the recording side: observe() finds the
// bucket with a binary search over the bounds, then does one relaxed atomic add on the
// bucket count and one compare-and-swap on the sum, both in the calling CPU's shard. With a
// trace id it also stores an exemplar in that shard's slot for the bucket (see
// detail::ExemplarSlot: a sequence lock that never blocks and never shows a torn exemplar).
//
// Reading (snapshot) adds the shards up. Bucket counts are kept per bucket, not
// cumulatively, so the cumulative `le` values are monotonic and the +Inf bucket equals
// `_count` by construction. `_sum` is a double per shard: exact whenever the observed values
// and their partial sums are exactly representable. A snapshot taken while other threads
// observe may have a sum that includes an observation its buckets do not yet (or the
// reverse); each number on its own is exact.
//
// Odd input: NaN and infinite observations are ignored (they would poison `_sum` for good);
// a negative observation is recorded as 0, so `_count` still counts every event and `_sum`
// stays a counter, as OpenMetrics requires. A trace id that parse_trace_id() rejects records
// the observation without an exemplar.
//
// Memory: per shard, ceil((bounds + 2) / 8) cache lines of counts and one cache line per
// bucket for exemplars (about 1.25 KiB per shard with the 16 default latency bounds).
class Histogram {
 public:
  static constexpr MetricType kType = MetricType::kHistogram;

  struct Config {
    // Validated by the registry (validate_buckets); shared by every series of a family.
    std::shared_ptr<const std::vector<double>> upper_bounds;
    WallClock clock = &coarse_system_clock_nanos;  // exemplar timestamps
    std::size_t shard_count = 0;                   // 0: detail::default_shard_count()
  };

  // What the exposition reads: per-bucket counts made cumulative, the last one being +Inf.
  struct Snapshot {
    std::vector<std::uint64_t> cumulative_counts;  // bounds + 1 entries
    double sum = 0;
    std::vector<std::optional<Exemplar>> exemplars;  // bounds + 1 entries
    std::uint64_t count() const { return cumulative_counts.empty() ? 0 : cumulative_counts.back(); }
  };

  explicit Histogram(Config config);

  void observe(double value) noexcept;
  void observe(double value, std::string_view trace_id_hex32) noexcept {
    if (const auto trace_id = parse_trace_id(trace_id_hex32)) {
      observe(value, *trace_id);
    } else {
      observe(value);
    }
  }
  // For callers that already hold the parsed id (saves the hex parse, about 5 ns).
  void observe(double value, TraceId trace_id) noexcept;

  std::span<const double> upper_bounds() const { return *upper_bounds_; }

  // Fills `out`, reusing its vectors' storage (no allocation once they have grown).
  void snapshot(Snapshot& out) const;
  Snapshot snapshot() const;

 private:
  // Counts `value` (clamped to 0 if negative) in the calling CPU's shard and says where;
  // false, counting nothing, for a non-finite value.
  bool count(double& value, std::size_t& shard, std::size_t& bucket) noexcept;
  std::atomic<std::uint64_t>& word(std::size_t shard, std::size_t index) const noexcept;
  detail::ExemplarSlot& exemplar_slot(std::size_t shard, std::size_t bucket) const noexcept;

  std::shared_ptr<const std::vector<double>> upper_bounds_;
  WallClock clock_;
  std::size_t bucket_count_;     // bounds + 1 (+Inf)
  std::size_t lines_per_shard_;  // counts, then the sum, padded to whole cache lines
  std::size_t shard_mask_;
  std::unique_ptr<detail::CacheLine[]> counts_;
  std::unique_ptr<detail::ExemplarSlot[]> exemplars_;
};

}  // namespace glassbox::telemetry::metrics
