#include "telemetry/trace/batch_span_processor.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "span_fixtures.hpp"

namespace glassbox::telemetry::trace {
namespace {

using namespace std::chrono_literals;

// What the fake exporter saw; the test keeps it after the processor owns the exporter.
struct ExportLog {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::size_t> batch_sizes;
  bool in_export = false;
  bool block = false;                  // hold exports until released
  bool hang = false;                   // hold exports until their deadline or cancel()
  bool cancelled = false;              // cancel() was called
  std::chrono::milliseconds lasts{0};  // each export takes this long, cancel() or not
  bool throw_instead = false;          // throw from export_batch
  ExportResult result = ExportResult::kSuccess;

  // Waits (for an event, bounded so a bug fails instead of hanging) until `done` holds.
  template <typename Predicate>
  bool wait(Predicate done) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 10s, [&] { return done(); });
  }
  void release() {
    std::lock_guard lock(mutex);
    block = false;
    changed.notify_all();
  }
};

class FakeExporter final : public SpanExporter {
 public:
  explicit FakeExporter(std::shared_ptr<ExportLog> log) : log_(std::move(log)) {}
  ExportResult export_batch(SpanBatch spans,
                            std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock lock(log_->mutex);
    log_->in_export = true;
    log_->changed.notify_all();
    log_->changed.wait(lock, [&] { return !log_->block; });
    if (log_->hang) log_->changed.wait_until(lock, deadline, [&] { return log_->cancelled; });
    if (log_->lasts > 0ms) log_->changed.wait_for(lock, log_->lasts, [] { return false; });
    log_->batch_sizes.push_back(spans.size());
    log_->in_export = false;
    log_->changed.notify_all();
    if (log_->throw_instead) throw std::runtime_error("exporter bug");
    return log_->cancelled ? ExportResult::kFailure : log_->result;
  }
  void cancel() noexcept override {
    std::lock_guard lock(log_->mutex);
    log_->cancelled = true;
    log_->changed.notify_all();
  }

 private:
  std::shared_ptr<ExportLog> log_;
};

struct Fixture {
  std::shared_ptr<ExportLog> log = std::make_shared<ExportLog>();
  metrics::Counter exported;
  metrics::Counter dropped;
  metrics::Counter failures;

  std::unique_ptr<BatchSpanProcessor> make(BatchOptions options) {
    return std::make_unique<BatchSpanProcessor>(std::make_unique<FakeExporter>(log), options,
                                                BatchCounters{&exported, &dropped, &failures});
  }
  std::vector<std::size_t> batches() {
    std::lock_guard lock(log->mutex);
    return log->batch_sizes;
  }
};

std::uint64_t count(const metrics::Counter& counter) {
  return counter.exact_value().integer;
}

void end_spans(BatchSpanProcessor& processor, int n) {
  for (int i = 0; i < n; ++i)
    processor.on_end(testing::sample_root_span());
}

BatchOptions options(std::size_t queue, std::size_t batch, std::chrono::milliseconds delay) {
  BatchOptions result;
  result.max_queue_size = queue;
  result.max_export_batch_size = batch;
  result.schedule_delay = delay;
  return result;
}

TEST(BatchSpanProcessor, ExportsAsSoonAsABatchIsFull) {
  Fixture fixture;
  auto processor = fixture.make(options(100, 4, 1h));
  end_spans(*processor, 4);
  ASSERT_TRUE(fixture.log->wait([&] { return fixture.log->batch_sizes.size() == 1; }));
  EXPECT_EQ(fixture.batches(), std::vector<std::size_t>{4});
  end_spans(*processor, 3);  // not a full batch: waits for the delay or shutdown
  processor->shutdown();
  EXPECT_EQ(fixture.batches(), (std::vector<std::size_t>{4, 3}));
  EXPECT_EQ(count(fixture.exported), 7u);
  EXPECT_EQ(count(fixture.dropped), 0u);
}

TEST(BatchSpanProcessor, ExportsAPartialBatchWhenTheScheduleDelayPasses) {
  Fixture fixture;
  auto processor = fixture.make(options(100, 512, 20ms));
  end_spans(*processor, 2);
  ASSERT_TRUE(fixture.log->wait([&] { return !fixture.log->batch_sizes.empty(); }));
  EXPECT_EQ(fixture.batches(), std::vector<std::size_t>{2});
  // The exporter thread counts a batch after export() returns: stop it before reading.
  processor->shutdown();
  EXPECT_EQ(fixture.batches(), std::vector<std::size_t>{2});
  EXPECT_EQ(count(fixture.exported), 2u);
}

TEST(BatchSpanProcessor, ExportsEverythingQueuedAtShutdownInBatches) {
  Fixture fixture;
  auto processor = fixture.make(options(100, 512, 1h));
  end_spans(*processor, 5);
  processor->shutdown();
  EXPECT_EQ(fixture.batches(), std::vector<std::size_t>{5});
  EXPECT_EQ(count(fixture.exported), 5u);
}

TEST(BatchSpanProcessor, ForceFlushExportsWhatIsQueued) {
  Fixture fixture;
  auto processor = fixture.make(options(100, 512, 1h));
  end_spans(*processor, 3);
  EXPECT_TRUE(processor->force_flush(10s));
  EXPECT_EQ(fixture.batches(), std::vector<std::size_t>{3});
}

TEST(BatchSpanProcessor, DropsAndCountsWhenTheQueueIsFull) {
  Fixture fixture;
  fixture.log->block = true;
  auto processor = fixture.make(options(4, 2, 1h));
  end_spans(*processor, 2);  // a full batch: the exporter takes it and is held
  ASSERT_TRUE(fixture.log->wait([&] { return fixture.log->in_export; }));
  end_spans(*processor, 4);  // fills the queue
  end_spans(*processor, 3);  // no room
  EXPECT_EQ(count(fixture.dropped), 3u);
  fixture.log->release();
  processor->shutdown();
  EXPECT_EQ(count(fixture.exported), 6u);
  EXPECT_EQ(count(fixture.dropped), 3u);
}

TEST(BatchSpanProcessor, AFailedExportCountsOneFailureAndDropsItsSpans) {
  Fixture fixture;
  fixture.log->result = ExportResult::kFailure;
  auto processor = fixture.make(options(100, 3, 1h));
  end_spans(*processor, 3);
  ASSERT_TRUE(fixture.log->wait([&] { return fixture.log->batch_sizes.size() == 1; }));
  processor->shutdown();
  EXPECT_EQ(count(fixture.failures), 1u);
  EXPECT_EQ(count(fixture.dropped), 3u);
  EXPECT_EQ(count(fixture.exported), 0u);
}

TEST(BatchSpanProcessor, AThrowingExporterCountsAsAFailureAndKeepsRunning) {
  Fixture fixture;
  fixture.log->throw_instead = true;
  auto processor = fixture.make(options(100, 1, 1h));
  end_spans(*processor, 1);
  ASSERT_TRUE(fixture.log->wait([&] { return fixture.log->batch_sizes.size() == 1; }));
  end_spans(*processor, 1);
  ASSERT_TRUE(fixture.log->wait([&] { return fixture.log->batch_sizes.size() == 2; }));
  processor->shutdown();
  EXPECT_EQ(count(fixture.failures), 2u);
}

TEST(BatchSpanProcessor, ShutdownIsBoundedWhenExportsHang) {
  Fixture fixture;
  fixture.log->hang = true;  // each export lasts until its deadline
  BatchOptions bounded = options(100, 512, 1h);
  bounded.export_timeout = 1h;
  auto processor = fixture.make(bounded);
  end_spans(*processor, 3);
  const auto started = std::chrono::steady_clock::now();
  processor->shutdown(100ms);  // the shutdown deadline bounds the export's deadline
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(fixture.batches(), std::vector<std::size_t>{3});
}

// Found by tests/e2e/test_faults_telemetry.py: with a collector that never answered, the
// shutdown waited for the export in flight until its own deadline (the export timeout).
TEST(BatchSpanProcessor, ShutdownCancelsAnExportStillRunningAtItsDeadline) {
  Fixture fixture;
  fixture.log->hang = true;
  BatchOptions slow = options(100, 2, 1h);
  slow.export_timeout = 1h;
  auto processor = fixture.make(slow);
  end_spans(*processor, 2);  // a full batch: the exporter takes it and hangs
  ASSERT_TRUE(fixture.log->wait([&] { return fixture.log->in_export; }));
  end_spans(*processor, 6);
  const auto started = std::chrono::steady_clock::now();
  processor->shutdown(100ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(fixture.log->cancelled);
  EXPECT_EQ(count(fixture.exported), 0u);
  EXPECT_EQ(count(fixture.failures), 1u);
  EXPECT_EQ(count(fixture.dropped), 8u);
}

// Found by tests/e2e/test_faults_telemetry.py: after the export in flight, the exporter
// went on through the whole backlog, each batch with a full export timeout of its own.
TEST(BatchSpanProcessor, ShutdownDoesNotWorkThroughTheBacklogPastItsDeadline) {
  Fixture fixture;
  fixture.log->lasts = 500ms;  // an export that cancel() cannot shorten
  auto processor = fixture.make(options(100, 2, 1h));
  end_spans(*processor, 2);
  ASSERT_TRUE(fixture.log->wait([&] { return fixture.log->in_export; }));
  end_spans(*processor, 6);  // three more full batches
  processor->shutdown(50ms);
  EXPECT_EQ(fixture.batches(), std::vector<std::size_t>{2});  // only the one in flight
  EXPECT_EQ(count(fixture.dropped), 8u);  // it (cancelled: failed) and the backlog
}

TEST(BatchSpanProcessor, SpansEndedAfterShutdownAreDroppedAndCounted) {
  Fixture fixture;
  auto processor = fixture.make(options(100, 512, 1h));
  processor->shutdown();
  processor->shutdown();  // idempotent
  end_spans(*processor, 2);
  EXPECT_EQ(count(fixture.dropped), 2u);
  EXPECT_TRUE(fixture.batches().empty());
}

TEST(BatchSpanProcessor, HandsOutExportedRecordsAgainAsBlankSpans) {
  Fixture fixture;
  auto processor = fixture.make(options(100, 2, 1h));
  processor->on_end(testing::sample_server_span());
  processor->on_end(testing::sample_server_span());
  ASSERT_TRUE(fixture.log->wait([&] { return fixture.log->batch_sizes.size() == 1; }));
  // The batch is recycled after export_batch returns, before the exporter waits again.
  ASSERT_TRUE(fixture.log->wait([&] { return !fixture.log->in_export; }));
  processor->shutdown();
  for (int i = 0; i < 3; ++i) {  // two recycled records, then a new one
    const std::unique_ptr<SpanData> span = processor->new_span_data();
    ASSERT_NE(span, nullptr);
    EXPECT_FALSE(span->context.trace_id.valid());
    EXPECT_FALSE(span->context.span_id.valid());
    EXPECT_EQ(span->context.trace_flags, 0);
    EXPECT_TRUE(span->context.trace_state.empty());
    EXPECT_FALSE(span->parent_span_id.valid());
    EXPECT_FALSE(span->parent_remote);
    EXPECT_TRUE(span->name.empty());
    EXPECT_EQ(span->start_unix_nanos, 0u);
    EXPECT_EQ(span->end_unix_nanos, 0u);
    EXPECT_TRUE(span->attributes.empty());
    EXPECT_EQ(span->attributes.dropped(), 0u);
    EXPECT_EQ(span->status, StatusCode::kUnset);
    EXPECT_TRUE(span->status_message.empty());
  }
}

TEST(BatchSpanProcessor, WorksWithoutCounters) {
  auto log = std::make_shared<ExportLog>();
  BatchSpanProcessor processor(std::make_unique<FakeExporter>(log), options(1, 1, 1h));
  end_spans(processor, 3);
  processor.shutdown();
  SUCCEED();
}

}  // namespace
}  // namespace glassbox::telemetry::trace
