#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace glassbox::telemetry::log {

// A bounded multi-producer, single-consumer queue of variable-length records, in one ring
// of bytes allocated up front: what stands between a request thread and the log writer.
//
// Producers (any number of threads, lock-free, no allocation): reserve() claims room with
// one compare-and-swap, the caller copies its payload in, commit() publishes it. A record
// is one contiguous run of bytes (the ring pads to its start rather than wrap a record).
// When the ring is full, or the record is larger than max_payload(), or the ring is
// closed, reserve() says so at once: it never waits.
//
// Consumer (exactly one thread at a time): peek() the oldest record, advance() past it,
// then release() what was read to give the room back. Records come out in the order they
// were reserved; a record reserved but not yet committed holds back those behind it (for
// as long as its producer takes to copy its payload).
//
// Memory ordering: commit() and has_committed() are sequentially consistent, so a consumer
// that announces it is going to sleep and then finds nothing committed is certain the next
// commit() happens after the announcement (see AsyncLineWriter's wake-up).
class RecordRing {
 public:
  enum class Status : std::uint8_t { kReserved, kFull, kTooLarge, kClosed };

  struct Reservation {
    Status status = Status::kFull;
    char* payload = nullptr;  // `size` writable bytes, 8-byte aligned
    std::uint32_t size = 0;
    std::uint64_t position = 0;
    bool over_half_full = false;  // the ring, once this record is in
  };

  struct Entry {
    std::uint8_t tag = 0;  // what the producer passed to commit()
    const char* payload = nullptr;
    std::uint32_t size = 0;
    std::uint64_t position = 0;
  };

  // The capacity is rounded up to a power of two, at least 4 KiB and at most 1 GiB.
  explicit RecordRing(std::size_t capacity_bytes);
  RecordRing(const RecordRing&) = delete;
  RecordRing& operator=(const RecordRing&) = delete;

  std::size_t capacity() const noexcept { return capacity_; }
  // The largest payload reserve() accepts: a little under half the capacity, so that any
  // record fits once the ring has drained, wherever the free room starts.
  std::size_t max_payload() const noexcept { return capacity_ / 2 - kHeaderSize; }

  // Producer side.
  Reservation reserve(std::size_t payload_size) noexcept;
  void commit(const Reservation& reservation, std::uint8_t tag) noexcept;
  // After close(), reserve() answers kClosed; records reserved before stay readable.
  void close() noexcept;
  bool closed() const noexcept;
  // The position after the last reserved record (positions count bytes since the start).
  std::uint64_t reserved_position() const noexcept;

  // Consumer side.
  bool peek(Entry& entry) noexcept;
  void advance(const Entry& entry) noexcept;
  // Gives back the room of everything advanced past; false when there was none.
  bool release() noexcept;
  // Whether the next record (or padding) is committed: peek() or release() has work.
  bool has_committed() const noexcept;
  std::uint64_t read_position() const noexcept { return read_; }
  // Everything reserved has been read.
  bool fully_read() const noexcept { return read_ == reserved_position(); }

 private:
  static constexpr std::size_t kHeaderSize = 8;

  std::uint64_t header_at(std::uint64_t position) const noexcept;
  void store_header(std::uint64_t position, std::uint64_t header) noexcept;
  char* bytes_at(std::uint64_t position) const noexcept;

  const std::size_t capacity_;
  const std::uint64_t mask_;
  const std::unique_ptr<std::uint64_t[]> words_;  // zero wherever no header was written

  alignas(64) std::atomic<std::uint64_t> head_{0};      // reserved up to; top bit: closed
  alignas(64) std::atomic<std::uint64_t> released_{0};  // the consumer gave back up to
  alignas(64) std::uint64_t read_ = 0;                  // the consumer read up to
};

}  // namespace glassbox::telemetry::log
