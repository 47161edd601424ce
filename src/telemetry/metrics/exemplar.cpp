#include "telemetry/metrics/exemplar.hpp"

#include <bit>
#include <cstring>
#include <thread>

namespace glassbox::telemetry::metrics {
namespace {

constexpr std::size_t kTraceIdHexDigits = 32;
// A write takes nanoseconds; a reader that keeps finding one yields between tries and gives
// up for this scrape after this many (a writer preempted mid-write must not stall it).
constexpr int kReadAttempts = 64;

constexpr std::uint64_t kEveryByte = 0x0101010101010101;
constexpr std::uint64_t kHighBits = 0x8080808080808080;

// High bit of each byte set where lo <= byte <= hi, for bytes below 0x80 (no carries cross
// bytes: each byte sum stays below 0x100).
constexpr std::uint64_t bytes_in_range(std::uint64_t bytes, std::uint8_t lo, std::uint8_t hi) {
  return (bytes + kEveryByte * (0x80u - lo)) & ~(bytes + kEveryByte * (0x7Fu - hi)) & kHighBits;
}

// Eight hexadecimal digits to their 32-bit value, eight bytes at a time (a per-character
// loop cost a third of an exemplar observation), or kNotHex if any byte is not a digit.
// No std::optional here: GCC spills one through the stack in a way that stalls the load.
constexpr std::uint64_t kNotHex = ~std::uint64_t{0};

std::uint64_t parse_hex32(const char* hex8) {
  std::uint64_t bytes = 0;
  std::memcpy(&bytes, hex8, sizeof bytes);
  if constexpr (std::endian::native == std::endian::big) {
    bytes = __builtin_bswap64(bytes);  // the first character must be the lowest byte
  }
  if ((bytes & kHighBits) != 0) {
    return kNotHex;
  }
  const std::uint64_t digits = bytes_in_range(bytes, '0', '9');
  const std::uint64_t letters = bytes_in_range(bytes | kEveryByte * 0x20, 'a', 'f');  // any case
  if ((digits | letters) != kHighBits) {
    return kNotHex;
  }
  // Nibble values, one per byte, first character lowest: '0'-'9' -> 0-9, 'a'-'f' -> 10-15.
  const std::uint64_t nibbles = (bytes & kEveryByte * 0x0F) + (letters >> 7) * 9;
  // Pack in reading order: byte pairs, then 16-bit pairs, then 32-bit pairs.
  const std::uint64_t pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00FF00FF00FF00FF;
  const std::uint64_t quads = ((pairs << 8) | (pairs >> 16)) & 0x0000FFFF0000FFFF;
  return ((quads << 16) | (quads >> 32)) & 0xFFFFFFFF;
}

void append_hex64(std::string& out, std::uint64_t value) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) {
    out.push_back(kDigits[(value >> shift) & 0xFu]);
  }
}

}  // namespace

std::optional<TraceId> parse_trace_id(std::string_view hex) {
  if (hex.size() != kTraceIdHexDigits) {
    return std::nullopt;
  }
  const std::uint64_t parts[4] = {parse_hex32(hex.data()), parse_hex32(hex.data() + 8),
                                  parse_hex32(hex.data() + 16), parse_hex32(hex.data() + 24)};
  if ((parts[0] | parts[1] | parts[2] | parts[3]) == kNotHex) {
    return std::nullopt;
  }
  const TraceId id{(parts[0] << 32) | parts[1], (parts[2] << 32) | parts[3]};
  if (id.high == 0 && id.low == 0) {
    return std::nullopt;
  }
  return id;
}

void append_trace_id(std::string& out, TraceId id) {
  append_hex64(out, id.high);
  append_hex64(out, id.low);
}

namespace detail {

// The classic sequence lock, in the form that is free of data races under the C++ memory
// model: every field is a relaxed atomic, ordered by the fences around it.
void ExemplarSlot::try_store(const Exemplar& exemplar) noexcept {
  std::uint64_t sequence = sequence_.load(std::memory_order_relaxed);
  if ((sequence & 1u) != 0 ||
      !sequence_.compare_exchange_strong(sequence, sequence + 1, std::memory_order_relaxed)) {
    return;  // another writer is in the middle of this slot
  }
  std::atomic_thread_fence(std::memory_order_release);
  trace_high_.store(exemplar.trace_id.high, std::memory_order_relaxed);
  trace_low_.store(exemplar.trace_id.low, std::memory_order_relaxed);
  value_bits_.store(std::bit_cast<std::uint64_t>(exemplar.value), std::memory_order_relaxed);
  timestamp_nanos_.store(exemplar.timestamp_nanos, std::memory_order_relaxed);
  sequence_.store(sequence + 2, std::memory_order_release);
}

std::optional<Exemplar> ExemplarSlot::load() const noexcept {
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    const std::uint64_t before = sequence_.load(std::memory_order_acquire);
    if (before == 0) {
      return std::nullopt;
    }
    if ((before & 1u) != 0) {
      std::this_thread::yield();
      continue;
    }
    Exemplar exemplar;
    exemplar.trace_id.high = trace_high_.load(std::memory_order_relaxed);
    exemplar.trace_id.low = trace_low_.load(std::memory_order_relaxed);
    exemplar.value = std::bit_cast<double>(value_bits_.load(std::memory_order_relaxed));
    exemplar.timestamp_nanos = timestamp_nanos_.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (sequence_.load(std::memory_order_relaxed) == before) {
      return exemplar;
    }
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace glassbox::telemetry::metrics
