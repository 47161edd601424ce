#include "telemetry/log/async_line_writer.hpp"

#include <utility>

#include "telemetry/log/fd_write.hpp"
#include "telemetry/metrics/counter.hpp"

namespace glassbox::telemetry::log {

AsyncLineWriter::AsyncLineWriter(AsyncLineWriterOptions options, LineFormatter formatter)
    : fd_(options.fd),
      batch_bytes_(options.batch_bytes),
      idle_nap_(options.idle_nap),
      naps_before_sleep_(options.naps_before_sleep),
      dropped_counter_(options.dropped_counter),
      formatter_(std::move(formatter)),
      ring_(options.ring_bytes),
      thread_([this] { run(); }) {}

AsyncLineWriter::~AsyncLineWriter() {
  stop();
}

void AsyncLineWriter::commit(const RecordRing::Reservation& reservation,
                             std::uint8_t tag) noexcept {
  ring_.commit(reservation, tag);
  const State state = writer_state_.load();
  if (state == kSleeping || (state == kNapping && reservation.over_half_full)) wake_writer();
}

void AsyncLineWriter::wake_writer() noexcept {
  State state = writer_state_.load();
  if (state == kAwake || !writer_state_.compare_exchange_strong(state, kAwake)) return;
  // The writer checks its state holding the mutex until it is blocked in wait(): taking
  // the mutex here means the notification cannot fall between its check and its wait.
  { const std::lock_guard lock(mutex_); }
  wake_.notify_one();
}

bool AsyncLineWriter::flush(std::chrono::milliseconds timeout) {
  const std::uint64_t target = ring_.reserved_position();
  wake_writer();  // rather than wait for the end of its nap
  std::unique_lock lock(mutex_);
  return written_.wait_for(lock, timeout, [&] { return written_position_ >= target; });
}

void AsyncLineWriter::stop() {
  const std::lock_guard lock(stop_mutex_);
  if (!thread_.joinable()) return;
  ring_.close();
  wake_writer();
  thread_.join();
}

void AsyncLineWriter::write_now(std::string_view line) {
  const std::lock_guard lock(stop_mutex_);
  if (!write_all(fd_, line)) count_drop();
}

void AsyncLineWriter::count_drops(std::uint64_t count) noexcept {
  dropped_.fetch_add(count, std::memory_order_relaxed);
  if (dropped_counter_ != nullptr) dropped_counter_->inc_integer(count);
}

void AsyncLineWriter::run() {
  batch_.reserve(batch_bytes_ + 4096);
  for (;;) {
    const Batch batch = write_one_batch();
    if (batch != Batch::kEmpty) empty_naps_ = 0;
    if (batch == Batch::kFull) continue;
    if (batch == Batch::kPartial) {
      // The ring is drained but more lines are likely on the way: gather them for one nap
      // instead of writing each handful as it comes. Under load that was a write(2) and a
      // wake-up per ~10 lines, and the writer's wake-ups took the I/O thread's core.
      linger();
      continue;
    }
    if (ring_.closed() && ring_.fully_read()) return;
    rest();
  }
}

AsyncLineWriter::Batch AsyncLineWriter::write_one_batch() {
  batch_.clear();
  std::uint64_t lines = 0;
  RecordRing::Entry entry;
  while (batch_.size() < batch_bytes_ && ring_.peek(entry)) {
    formatter_(batch_, entry);
    ring_.advance(entry);
    ++lines;
  }
  // The room goes back to producers before the write, which may block for long.
  if (!ring_.release()) return Batch::kEmpty;
  const Batch written = batch_.size() >= batch_bytes_ ? Batch::kFull : Batch::kPartial;
  if (!batch_.empty() && !write_all(fd_, batch_)) count_drops(lines);
  if (batch_.capacity() > 4 * (batch_bytes_ + 4096)) {  // after an outsized record
    std::string().swap(batch_);
    batch_.reserve(batch_bytes_ + 4096);
  }
  publish_written(ring_.read_position());
  return written;
}

void AsyncLineWriter::publish_written(std::uint64_t position) {
  {
    const std::lock_guard lock(mutex_);
    written_position_ = position;
  }
  written_.notify_all();
}

void AsyncLineWriter::linger() {
  std::unique_lock lock(mutex_);
  writer_state_.store(kNapping);
  // As in rest(): a close() that did not see kNapping is seen here.
  if (ring_.closed()) {
    writer_state_.store(kAwake);
    return;
  }
  wake_.wait_for(lock, idle_nap_, [this] { return writer_state_.load() == kAwake; });
  writer_state_.store(kAwake);
}

void AsyncLineWriter::rest() {
  std::unique_lock lock(mutex_);
  const bool sleep = empty_naps_ >= naps_before_sleep_;
  writer_state_.store(sleep ? kSleeping : kNapping);
  // Sequentially consistent with commit() and close(): either they see kSleeping and wake
  // us, or we see their record or the closed ring here.
  if (ring_.has_committed() || (ring_.closed() && ring_.fully_read())) {
    writer_state_.store(kAwake);
    return;
  }
  const auto woken = [this] { return writer_state_.load() == kAwake; };
  if (sleep) {
    wake_.wait(lock, woken);
  } else if (!wake_.wait_for(lock, idle_nap_, woken)) {
    ++empty_naps_;  // counted whether or not records came: the next batch resets it
  }
  writer_state_.store(kAwake);
}

}  // namespace glassbox::telemetry::log
