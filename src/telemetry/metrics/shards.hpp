#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#if defined(__GLIBC__) && __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define GLASSBOX_METRICS_HAVE_RSEQ 1
#endif
#include <sched.h>

// Per-CPU sharding of the hot-path atomics. Two threads recording into the same series at
// the same moment run on different CPUs, so each writes its own cache line and neither
// waits for the other's; readers (the exposition) add the shards up. A thread that migrates
// mid-update only shares a line for that one update: every shard is an atomic, so sums
// stay exact whatever the scheduler does.
namespace glassbox::telemetry::metrics::detail {

inline constexpr std::size_t kCacheLineSize = 64;
inline constexpr std::size_t kMaxShards = 16;

// One cache line of 64-bit atomic words; shard blocks are arrays of these so that no two
// shards ever share a line.
struct alignas(kCacheLineSize) CacheLine {
  static constexpr std::size_t kWords = kCacheLineSize / sizeof(std::uint64_t);
  std::atomic<std::uint64_t> words[kWords]{};
};

// The number of shards a new metric gets by default: the number of configured CPUs rounded
// up to a power of two, at most kMaxShards. Computed once.
std::size_t default_shard_count();

// Rounds a requested count (0 meaning "default") to a power of two in [1, kMaxShards].
std::size_t normalized_shard_count(std::size_t requested);

// The CPU this thread runs on, read from glibc's rseq area (about 1 ns) where the kernel
// provides it, from sched_getcpu() otherwise, 0 if neither knows.
inline std::size_t current_cpu() noexcept {
#ifdef GLASSBOX_METRICS_HAVE_RSEQ
  if (__rseq_size > 0) {
    const auto* area = reinterpret_cast<const volatile struct rseq*>(
        static_cast<const char*>(__builtin_thread_pointer()) + __rseq_offset);
    const auto cpu = static_cast<std::int32_t>(area->cpu_id);
    if (cpu >= 0) {
      return static_cast<std::size_t>(cpu);
    }
  }
#endif
  const int cpu = sched_getcpu();
  return cpu < 0 ? 0 : static_cast<std::size_t>(cpu);
}

// Index of the calling thread's shard, given a power-of-two shard count minus one.
inline std::size_t current_shard(std::size_t shard_mask) noexcept {
  return current_cpu() & shard_mask;
}

// One `Shard` per CPU slot; `Shard` is cache-line aligned, so no two slots share a line.
template <typename Shard>
class PerCpu {
 public:
  explicit PerCpu(std::size_t requested_count)
      : mask_(normalized_shard_count(requested_count) - 1),
        shards_(std::make_unique<Shard[]>(mask_ + 1)) {}

  // The calling CPU's shard.
  Shard& local() const noexcept { return shards_[current_shard(mask_)]; }
  Shard& operator[](std::size_t index) const noexcept { return shards_[index]; }
  std::size_t size() const noexcept { return mask_ + 1; }

 private:
  std::size_t mask_;
  std::unique_ptr<Shard[]> shards_;
};

// Doubles smaller than this in magnitude and without a fractional part convert to 64-bit
// integers exactly, so they can take the exact integer path of counters and gauges.
inline constexpr double kLargestExactInteger = 9007199254740992.0;  // 2^53

// value += addend on a double stored as its bits in a 64-bit atomic.
inline void add_to_double_bits(std::atomic<std::uint64_t>& bits, double addend) noexcept {
  std::uint64_t expected = bits.load(std::memory_order_relaxed);
  while (!bits.compare_exchange_weak(
      expected, std::bit_cast<std::uint64_t>(std::bit_cast<double>(expected) + addend),
      std::memory_order_relaxed)) {
  }
}

inline double load_double_bits(const std::atomic<std::uint64_t>& bits) noexcept {
  return std::bit_cast<double>(bits.load(std::memory_order_relaxed));
}

}  // namespace glassbox::telemetry::metrics::detail
