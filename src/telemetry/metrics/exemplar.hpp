#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "telemetry/metrics/shards.hpp"

namespace glassbox::telemetry::metrics {

// A W3C trace id (16 bytes) kept as two integers, so storing one needs no allocation.
struct TraceId {
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  friend bool operator==(const TraceId&, const TraceId&) = default;
};

// Exactly 32 hexadecimal digits (either case), not all zero (the W3C "invalid" id).
// Anything else, longer ids included, gives nothing.
std::optional<TraceId> parse_trace_id(std::string_view hex);

// 32 lowercase hexadecimal digits.
void append_trace_id(std::string& out, TraceId id);

// The label an exemplar carries: {trace_id="<32 hex>"}. OpenMetrics caps an exemplar's
// label names plus values at 128 UTF-8 characters; ours are always 8 + 32.
inline constexpr std::string_view kExemplarLabelName = "trace_id";
inline constexpr std::size_t kExemplarLabelCharacterLimit = 128;
static_assert(kExemplarLabelName.size() + 32 <= kExemplarLabelCharacterLimit);

// One observation picked to stand for its bucket: which trace produced it, its value and
// when it was recorded.
struct Exemplar {
  TraceId trace_id;
  double value = 0;
  std::int64_t timestamp_nanos = 0;
};

namespace detail {

// Holds the latest exemplar of one bucket in one shard, written and read without a lock
// or allocation (a sequence lock). A writer that finds another write in progress gives its
// exemplar up rather than wait; a reader that keeps meeting writes gives up after a few
// tries. Either way a torn exemplar (one trace's id with another's value) is never returned.
class alignas(kCacheLineSize) ExemplarSlot {
 public:
  void try_store(const Exemplar& exemplar) noexcept;
  // Nothing when the slot was never written or no consistent read succeeded.
  std::optional<Exemplar> load() const noexcept;

 private:
  std::atomic<std::uint64_t> sequence_{0};  // odd while a write is in progress
  std::atomic<std::uint64_t> trace_high_{0};
  std::atomic<std::uint64_t> trace_low_{0};
  std::atomic<std::uint64_t> value_bits_{0};
  std::atomic<std::int64_t> timestamp_nanos_{0};
};

}  // namespace detail
}  // namespace glassbox::telemetry::metrics
