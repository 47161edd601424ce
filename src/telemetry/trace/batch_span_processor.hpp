#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "telemetry/metrics/counter.hpp"
#include "telemetry/trace/span_exporter.hpp"
#include "telemetry/trace/span_processor.hpp"

namespace glassbox::telemetry::trace {

// The OTEL_BSP_* settings (OpenTelemetry SDK environment variables; defaults are theirs).
struct BatchOptions {
  std::size_t max_queue_size = 2048;                // OTEL_BSP_MAX_QUEUE_SIZE
  std::chrono::milliseconds schedule_delay{5000};   // OTEL_BSP_SCHEDULE_DELAY
  std::size_t max_export_batch_size = 512;          // OTEL_BSP_MAX_EXPORT_BATCH_SIZE
  std::chrono::milliseconds export_timeout{30000};  // OTEL_BSP_EXPORT_TIMEOUT
};

// Where the processor counts; any may be null. The owner of the counters (the metrics
// registry) must outlive the processor.
struct BatchCounters {
  metrics::Counter* exported = nullptr;         // glassbox_spans_exported_total
  metrics::Counter* dropped = nullptr;          // glassbox_spans_dropped_total
  metrics::Counter* export_failures = nullptr;  // glassbox_span_export_failures_total
};

// Queues finished spans and exports them in batches from its own thread.
//
// on_end (request threads, thread-safe) only moves the span into a bounded queue under a
// short lock; when the queue holds max_queue_size spans the new one is dropped and counted.
// The exporter thread exports when max_export_batch_size spans are waiting, or when
// schedule_delay has passed since the last export, each export bounded by export_timeout.
// A failed export drops its spans (counted as dropped, and once in export_failures).
// shutdown() exports what is queued within its timeout, drops and counts the rest, and
// stops the thread; the destructor calls it. Its timeout bounds an export already running
// too: past it the exporter is cancelled (SpanExporter::cancel), so a collector that never
// answers cannot hold the shutdown for a whole export timeout, or one per queued batch.
// Options are clamped to sane values (batch <= queue, both >= 1).
class BatchSpanProcessor final : public SpanProcessor {
 public:
  static constexpr std::chrono::milliseconds kDefaultShutdownTimeout{5000};

  BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options,
                     BatchCounters counters = {});
  ~BatchSpanProcessor() override;
  BatchSpanProcessor(const BatchSpanProcessor&) = delete;
  BatchSpanProcessor& operator=(const BatchSpanProcessor&) = delete;

  void on_end(std::unique_ptr<SpanData> span) noexcept override;
  // Hands out the records of exported spans again (reset, their buffers kept), up to one
  // batch of them, so a steady stream of spans allocates nothing per span; allocates when
  // none is left.
  std::unique_ptr<SpanData> new_span_data() override;

  // Exports everything queued now; true when it all went out before `timeout`.
  bool force_flush(std::chrono::milliseconds timeout);

  // Idempotent; later on_end calls drop (and count) their span.
  void shutdown(std::chrono::milliseconds timeout = kDefaultShutdownTimeout);

 private:
  using Clock = std::chrono::steady_clock;

  void run();
  // Exports up to one batch; false when the queue was empty. Called with `lock` held; the
  // lock is released around the export itself.
  bool export_one_batch(std::unique_lock<std::mutex>& lock, Clock::time_point limit);
  void drop(std::size_t count) noexcept;
  // Resets the exported spans and keeps as many as the free list has room for.
  void recycle(std::vector<std::unique_ptr<SpanData>>& spans) noexcept;

  std::unique_ptr<SpanExporter> exporter_;
  BatchOptions options_;
  BatchCounters counters_;

  std::mutex mutex_;
  std::condition_variable wake_exporter_;
  std::condition_variable flushed_;
  std::vector<std::unique_ptr<SpanData>> queue_;  // guarded by mutex_
  std::uint64_t flush_requested_ = 0;             // guarded by mutex_
  std::uint64_t flush_completed_ = 0;             // guarded by mutex_
  bool stopping_ = false;                         // guarded by mutex_
  bool finished_ = false;                         // guarded by mutex_: run() has returned
  Clock::time_point stop_deadline_;               // guarded by mutex_
  bool stopped_ = false;                          // shutdown() has joined
  std::mutex shutdown_mutex_;
  std::mutex free_mutex_;
  std::vector<std::unique_ptr<SpanData>> free_;  // guarded by free_mutex_; reset records
  std::thread thread_;
};

}  // namespace glassbox::telemetry::trace
