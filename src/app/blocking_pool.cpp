#include "app/blocking_pool.hpp"

#include <pthread.h>

namespace glassbox::app {

BlockingPool::BlockingPool(std::string name, unsigned threads, std::size_t max_queued)
    : name_(std::move(name)), max_queued_(max_queued) {
  const unsigned count = threads == 0 ? 1 : threads;
  threads_.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    threads_.emplace_back([this] { work(); });
    // Named threads make `top -H` and profiles readable (15 characters at most).
    pthread_setname_np(threads_.back().native_handle(), name_.substr(0, 15).c_str());
  }
}

BlockingPool::~BlockingPool() {
  stop();
}

bool BlockingPool::try_post(std::function<void()> task) {
  {
    const std::lock_guard lock(mutex_);
    if (stopped_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
  }
  work_available_.notify_one();
  return true;
}

void BlockingPool::stop() {
  stop_within(std::chrono::steady_clock::time_point::max());
}

bool BlockingPool::stop_within(std::chrono::steady_clock::time_point deadline) {
  {
    std::unique_lock lock(mutex_);
    stopped_ = true;
    work_available_.notify_all();
    const bool finished = work_finished_.wait_until(
        lock, deadline, [this] { return queue_.empty() && running_ == 0; });
    if (!finished) return false;
  }
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  return true;
}

std::size_t BlockingPool::queued() const {
  const std::lock_guard lock(mutex_);
  return queue_.size();
}

void BlockingPool::work() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      work_available_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopped and drained
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    task();
    task = nullptr;  // release what it captured before reporting it finished
    {
      const std::lock_guard lock(mutex_);
      --running_;
    }
    work_finished_.notify_all();
  }
}

}  // namespace glassbox::app
