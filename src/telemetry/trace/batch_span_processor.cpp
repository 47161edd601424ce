#include "telemetry/trace/batch_span_processor.hpp"

#include <algorithm>
#include <iterator>

namespace glassbox::telemetry::trace {
namespace {

BatchOptions sane(BatchOptions options) {
  options.max_queue_size = std::max<std::size_t>(options.max_queue_size, 1);
  options.max_export_batch_size =
      std::clamp<std::size_t>(options.max_export_batch_size, 1, options.max_queue_size);
  options.schedule_delay = std::max(options.schedule_delay, std::chrono::milliseconds(1));
  options.export_timeout = std::max(options.export_timeout, std::chrono::milliseconds(1));
  return options;
}

void add(metrics::Counter* counter, std::size_t amount) noexcept {
  if (counter != nullptr && amount > 0) counter->inc_integer(amount);
}

}  // namespace

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options,
                                       BatchCounters counters)
    : exporter_(std::move(exporter)), options_(sane(options)), counters_(counters) {
  queue_.reserve(options_.max_queue_size);
  free_.reserve(options_.max_export_batch_size);
  thread_ = std::thread([this] { run(); });
}

BatchSpanProcessor::~BatchSpanProcessor() {
  shutdown();
}

void BatchSpanProcessor::drop(std::size_t count) noexcept {
  add(counters_.dropped, count);
}

void BatchSpanProcessor::on_end(std::unique_ptr<SpanData> span) noexcept {
  std::size_t queued = 0;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < options_.max_queue_size) {
      queue_.push_back(std::move(span));
      queued = queue_.size();
    }
  }
  if (queued == 0) {
    drop(1);
  } else if (queued == options_.max_export_batch_size) {
    wake_exporter_.notify_one();  // once per batch, not per span
  }
}

std::unique_ptr<SpanData> BatchSpanProcessor::new_span_data() {
  {
    const std::lock_guard lock(free_mutex_);
    if (!free_.empty()) {
      std::unique_ptr<SpanData> recycled = std::move(free_.back());
      free_.pop_back();
      return recycled;
    }
  }
  return std::make_unique<SpanData>();
}

void BatchSpanProcessor::recycle(std::vector<std::unique_ptr<SpanData>>& spans) noexcept {
  for (auto& span : spans)
    span->reset();  // outside the lock
  const std::lock_guard lock(free_mutex_);
  // free_ was reserved for a whole batch: these push_backs never allocate.
  while (!spans.empty() && free_.size() < options_.max_export_batch_size) {
    free_.push_back(std::move(spans.back()));
    spans.pop_back();
  }
}

bool BatchSpanProcessor::export_one_batch(std::unique_lock<std::mutex>& lock,
                                          Clock::time_point limit) {
  if (queue_.empty()) return false;
  const auto count =
      static_cast<std::ptrdiff_t>(std::min(queue_.size(), options_.max_export_batch_size));
  std::vector<std::unique_ptr<SpanData>> batch(std::make_move_iterator(queue_.begin()),
                                               std::make_move_iterator(queue_.begin() + count));
  queue_.erase(queue_.begin(), queue_.begin() + count);
  lock.unlock();
  const auto deadline = std::min(Clock::now() + options_.export_timeout, limit);
  ExportResult result = ExportResult::kFailure;
  try {
    result = exporter_->export_batch(batch, deadline);
  } catch (...) {
    result = ExportResult::kFailure;  // an exporter bug must not end the exporter thread
  }
  if (result == ExportResult::kSuccess) {
    add(counters_.exported, batch.size());
  } else {
    add(counters_.export_failures, 1);
    drop(batch.size());
  }
  recycle(batch);
  batch.clear();  // free the spans not recycled before taking the lock again
  lock.lock();
  return true;
}

void BatchSpanProcessor::run() {
  std::unique_lock lock(mutex_);
  auto next_export = Clock::now() + options_.schedule_delay;
  while (true) {
    wake_exporter_.wait_until(lock, next_export, [&] {
      return stopping_ || queue_.size() >= options_.max_export_batch_size ||
             flush_requested_ != flush_completed_;
    });
    if (stopping_) break;
    const std::uint64_t flush_target = flush_requested_;
    // Both loops stop at shutdown: from then on the shutdown deadline governs what is
    // still exported (below), not one full export timeout per batch in the backlog.
    if (flush_target != flush_completed_ || Clock::now() >= next_export) {
      while (!stopping_ && export_one_batch(lock, Clock::time_point::max())) {
      }
      if (stopping_) break;
      flush_completed_ = flush_target;
      flushed_.notify_all();
    } else {
      while (!stopping_ && queue_.size() >= options_.max_export_batch_size) {
        export_one_batch(lock, Clock::time_point::max());
      }
    }
    next_export = Clock::now() + options_.schedule_delay;
  }
  while (Clock::now() < stop_deadline_ && export_one_batch(lock, stop_deadline_)) {
  }
  drop(queue_.size());
  queue_.clear();
  flush_completed_ = flush_requested_;
  finished_ = true;
  flushed_.notify_all();
}

bool BatchSpanProcessor::force_flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (stopping_) return queue_.empty();
  const std::uint64_t ticket = ++flush_requested_;
  wake_exporter_.notify_one();
  return flushed_.wait_for(lock, timeout, [&] { return flush_completed_ >= ticket; });
}

void BatchSpanProcessor::shutdown(std::chrono::milliseconds timeout) {
  std::lock_guard guard(shutdown_mutex_);
  if (stopped_) return;
  bool finished_in_time = false;
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    stop_deadline_ = Clock::now() + timeout;
    wake_exporter_.notify_one();
    // An export already running keeps the deadline it started with (up to the export
    // timeout): wait for it only until ours.
    finished_in_time = flushed_.wait_until(lock, stop_deadline_, [this] { return finished_; });
  }
  if (!finished_in_time) exporter_->cancel();
  thread_.join();
  stopped_ = true;
}

}  // namespace glassbox::telemetry::trace
