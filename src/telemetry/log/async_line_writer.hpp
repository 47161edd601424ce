#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "telemetry/log/record_ring.hpp"

namespace glassbox::telemetry::metrics {
class Counter;
}

namespace glassbox::telemetry::log {

struct AsyncLineWriterOptions {
  int fd = 1;
  std::size_t ring_bytes = std::size_t{4} << 20;
  // The writer stops taking records into a batch past this size, then writes the batch
  // with one write(2) (more when the descriptor takes it in parts).
  std::size_t batch_bytes = std::size_t{64} << 10;
  // Counts every dropped record as well; must outlive the writer. May be null.
  metrics::Counter* dropped_counter = nullptr;
  // With nothing to write, the writer thread naps this long at a time, and producers do
  // not wake it (a system call, and the woken thread may take the caller's CPU) unless
  // the ring is over half full: a line waits at most one nap. After `naps_before_sleep`
  // empty naps in a row it sleeps until the next record wakes it, so an idle service
  // costs no wake-ups. After a batch smaller than `batch_bytes` it also naps once, so that
  // under load the lines of a nap go out in one write(2) rather than a few at a time.
  std::chrono::milliseconds idle_nap{2};
  int naps_before_sleep = 50;
};

// Turns one queued record into its line, newline included, appended to `out`. Runs on the
// writer thread only.
using LineFormatter = std::function<void(std::string& out, const RecordRing::Entry& entry)>;

// One thread draining a RecordRing into a file descriptor: records are formatted on that
// thread and written in batches, each line whole (a partial write is continued before
// anything else is written), so lines are never split or interleaved.
//
// Thread-safe: any thread may reserve/commit/count_drop/flush/stop. Callers never wait on
// the descriptor: when the reader stalls, the writer thread blocks in write(2), the ring
// fills, and reserve() answers kFull — the caller drops the record and calls count_drop().
// A batch the descriptor refuses (EPIPE, EBADF…) is counted as dropped too, so written +
// dropped always equals the records committed.
class AsyncLineWriter {
 public:
  AsyncLineWriter(AsyncLineWriterOptions options, LineFormatter formatter);
  ~AsyncLineWriter();  // stop()
  AsyncLineWriter(const AsyncLineWriter&) = delete;
  AsyncLineWriter& operator=(const AsyncLineWriter&) = delete;

  // Producer side, as RecordRing's; commit() also wakes the writer thread when it sleeps
  // (or naps while the ring is over half full).
  RecordRing::Reservation reserve(std::size_t payload_size) noexcept {
    return ring_.reserve(payload_size);
  }
  void commit(const RecordRing::Reservation& reservation, std::uint8_t tag) noexcept;
  void count_drop() noexcept { count_drops(1); }

  // Waits until every record committed before the call is written (or dropped by a write
  // error), at most `timeout`; false on timeout. Must not be called from the formatter.
  bool flush(std::chrono::milliseconds timeout);

  // Closes the ring (reserve() answers kClosed from then on), writes everything queued,
  // and joins the writer thread. Blocks for as long as the descriptor does. Idempotent.
  void stop();

  // For records that arrive after stop(): writes `line` from the calling thread, after the
  // writer thread is done and serialised with other such calls (so it may block).
  void write_now(std::string_view line);

  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  enum State : std::uint8_t { kAwake, kNapping, kSleeping };

  // What one pass over the ring wrote: nothing, less than batch_bytes, or a full batch.
  enum class Batch : std::uint8_t { kEmpty, kPartial, kFull };

  void run();
  Batch write_one_batch();
  // After a partial batch: naps once (woken early by flush, stop or a half-full ring).
  void linger();
  void rest();
  void wake_writer() noexcept;
  void publish_written(std::uint64_t position);
  void count_drops(std::uint64_t count) noexcept;

  const int fd_;
  const std::size_t batch_bytes_;
  const std::chrono::milliseconds idle_nap_;
  const int naps_before_sleep_;
  metrics::Counter* const dropped_counter_;
  const LineFormatter formatter_;
  RecordRing ring_;
  std::atomic<std::uint64_t> dropped_{0};

  // The writer thread announces here that it is going to nap or sleep, before its last look
  // at the ring; a producer that commits and then sees kSleeping wakes it (see RecordRing's
  // ordering), so no record waits on a sleeping writer.
  std::atomic<State> writer_state_{kAwake};
  int empty_naps_ = 0;  // writer thread only
  std::mutex mutex_;    // guards written_position_ and the sleep/wake hand-over
  std::condition_variable wake_;
  std::condition_variable written_;
  std::uint64_t written_position_ = 0;

  std::string batch_;      // writer thread only
  std::mutex stop_mutex_;  // stop() and write_now()
  std::thread thread_;     // last: starts once everything above exists
};

}  // namespace glassbox::telemetry::log
