#include "app/cleanup_job.hpp"

#include "app/user_json.hpp"

namespace glassbox::app {

using telemetry::log::Level;

CleanupJob::CleanupJob(Dependencies dependencies, std::chrono::seconds interval)
    : dependencies_(std::move(dependencies)), interval_(interval) {}

CleanupJob::~CleanupJob() {
  stop();
}

void CleanupJob::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      run_once();
      lock.lock();
    }
  });
}

void CleanupJob::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CleanupJob::run_once() {
  const auto started = std::chrono::steady_clock::now();
  auto result = dependencies_.store.delete_expired(dependencies_.now_millis());
  const double duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  AppMetrics& metrics = dependencies_.metrics;
  metrics.cleanup_duration.observe(duration_ms / 1000);
  if (!result.ok()) {
    metrics.cleanup_runs_failed.inc();
    metrics.cleanup_failures.inc();
    dependencies_.logger.write(Level::kWarn, "app.cleanup", "Cleanup run failed",
                               {{"error", result.error().detail}, {"duration_ms", duration_ms}});
    return;
  }
  for (const std::int64_t id : result.value()) {
    dependencies_.user_cache.invalidate(id);
    dependencies_.events.publish(user_deleted_event_json(id, "expired"));
  }
  const auto deleted = static_cast<std::int64_t>(result.value().size());
  metrics.cleanup_runs_succeeded.inc();
  metrics.cleanup_records_deleted.inc_integer(static_cast<std::uint64_t>(deleted));
  metrics.cleanup_last_success.set(static_cast<double>(dependencies_.now_millis()) / 1000);
  const Level level = deleted > 0 ? Level::kInfo : Level::kDebug;
  dependencies_.logger.write(level, "app.cleanup", "Cleanup run finished",
                             {{"deleted", deleted}, {"duration_ms", duration_ms}});
}

}  // namespace glassbox::app
