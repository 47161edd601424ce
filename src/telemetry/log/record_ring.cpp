#include "telemetry/log/record_ring.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace glassbox::telemetry::log {
namespace {

// A record's first 8 bytes, written last (by commit) and read first (by peek):
// bits 0-31 the payload size (padding: its whole size), bit 32 committed, bit 33 padding,
// bits 40-47 the producer's tag. Zero means "not committed yet".
constexpr std::uint64_t kSizeMask = 0xFFFF'FFFFULL;
constexpr std::uint64_t kCommitted = 1ULL << 32;
constexpr std::uint64_t kPadding = 1ULL << 33;
constexpr int kTagShift = 40;
constexpr std::uint64_t kClosed = 1ULL << 63;

constexpr std::size_t kMinimumCapacity = 4096;
constexpr std::size_t kMaximumCapacity = std::size_t{1} << 30;

constexpr std::uint64_t record_size(std::uint64_t payload_size) {
  return (8 + payload_size + 7) & ~std::uint64_t{7};
}

}  // namespace

RecordRing::RecordRing(std::size_t capacity_bytes)
    : capacity_(std::bit_ceil(std::clamp(capacity_bytes, kMinimumCapacity, kMaximumCapacity))),
      mask_(capacity_ - 1),
      words_(std::make_unique<std::uint64_t[]>(capacity_ / 8)) {}

std::uint64_t RecordRing::header_at(std::uint64_t position) const noexcept {
  return std::atomic_ref<std::uint64_t>(words_[(position & mask_) / 8]).load();
}

void RecordRing::store_header(std::uint64_t position, std::uint64_t header) noexcept {
  std::atomic_ref<std::uint64_t>(words_[(position & mask_) / 8]).store(header);
}

char* RecordRing::bytes_at(std::uint64_t position) const noexcept {
  return reinterpret_cast<char*>(words_.get()) + (position & mask_);
}

RecordRing::Reservation RecordRing::reserve(std::size_t payload_size) noexcept {
  if (payload_size > max_payload()) return {.status = Status::kTooLarge};
  const std::uint64_t size = record_size(payload_size);
  std::uint64_t head = head_.load(std::memory_order_relaxed);
  std::uint64_t padding = 0;
  std::uint64_t released = 0;
  for (;;) {
    if ((head & kClosed) != 0) return {.status = Status::kClosed};
    const std::uint64_t offset = head & mask_;
    padding = offset + size > capacity_ ? capacity_ - offset : 0;
    // Acquire: the consumer cleared the room it gave back before publishing it.
    released = released_.load(std::memory_order_acquire);
    if (head + padding + size - released > capacity_) return {.status = Status::kFull};
    if (head_.compare_exchange_weak(head, head + padding + size, std::memory_order_relaxed)) break;
  }
  if (padding != 0) store_header(head, padding | kPadding | kCommitted);
  const std::uint64_t position = head + padding;
  return {.status = Status::kReserved,
          .payload = bytes_at(position) + kHeaderSize,
          .size = static_cast<std::uint32_t>(payload_size),
          .position = position,
          .over_half_full = position + size - released > capacity_ / 2};
}

void RecordRing::commit(const Reservation& reservation, std::uint8_t tag) noexcept {
  store_header(reservation.position,
               reservation.size | kCommitted | (std::uint64_t{tag} << kTagShift));
}

void RecordRing::close() noexcept {
  head_.fetch_or(kClosed);
}

bool RecordRing::closed() const noexcept {
  return (head_.load() & kClosed) != 0;
}

std::uint64_t RecordRing::reserved_position() const noexcept {
  return head_.load() & ~kClosed;
}

bool RecordRing::has_committed() const noexcept {
  // A whole lap read and not yet released: the header there is stale, not new.
  if (read_ - released_.load(std::memory_order_relaxed) >= capacity_) return false;
  return (header_at(read_) & kCommitted) != 0;
}

bool RecordRing::peek(Entry& entry) noexcept {
  for (;;) {
    if (!has_committed()) return false;
    const std::uint64_t header = header_at(read_);
    if ((header & kPadding) != 0) {
      read_ += header & kSizeMask;
      continue;
    }
    entry = Entry{.tag = static_cast<std::uint8_t>(header >> kTagShift),
                  .payload = bytes_at(read_) + kHeaderSize,
                  .size = static_cast<std::uint32_t>(header & kSizeMask),
                  .position = read_};
    return true;
  }
}

void RecordRing::advance(const Entry& entry) noexcept {
  read_ = entry.position + record_size(entry.size);
}

bool RecordRing::release() noexcept {
  const std::uint64_t released = released_.load(std::memory_order_relaxed);
  if (read_ == released) return false;
  // Zero what was read, so that no stale header is taken for a new one on the next lap.
  const std::uint64_t length = read_ - released;
  const std::uint64_t offset = released & mask_;
  const std::uint64_t first = std::min<std::uint64_t>(length, capacity_ - offset);
  std::memset(bytes_at(released), 0, first);
  std::memset(bytes_at(0), 0, length - first);
  released_.store(read_, std::memory_order_release);
  return true;
}

}  // namespace glassbox::telemetry::log
