#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "app/app_metrics.hpp"
#include "app/event_hub.hpp"
#include "app/user_cache.hpp"
#include "storage/user_store.hpp"
#include "telemetry/log/logger.hpp"

namespace glassbox::app {

// Deletes expired users every `interval` on a thread of its own (its database call may
// block; no I/O thread ever waits for it). Each deleted user is dropped from the cache and
// announced on /ws/events as user.deleted with reason "expired".
class CleanupJob {
 public:
  struct Dependencies {
    storage::UserStore& store;
    UserCache& user_cache;
    EventHub& events;
    telemetry::log::Logger& logger;
    AppMetrics& metrics;
    std::function<std::int64_t()> now_millis;
  };

  CleanupJob(Dependencies dependencies, std::chrono::seconds interval);
  ~CleanupJob();
  CleanupJob(const CleanupJob&) = delete;
  CleanupJob& operator=(const CleanupJob&) = delete;

  void start();
  // Wakes the thread and joins it; a run in progress finishes first.
  void stop();
  // One pass, on the caller's thread (start() calls it every interval).
  void run_once();

 private:
  Dependencies dependencies_;
  const std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace glassbox::app
