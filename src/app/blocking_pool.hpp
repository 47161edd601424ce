#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace glassbox::app {

// A fixed set of threads for blocking work (database calls, Fibonacci) with a bounded
// queue, so that I/O threads never block and a saturated pool says so at once instead of
// queuing without bound.
//
// Thread-safe. stop() lets queued work finish, then joins; work offered after stop() is
// refused.
class BlockingPool {
 public:
  BlockingPool(std::string name, unsigned threads, std::size_t max_queued);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // False when the queue is full or the pool stopped; the task is then not run.
  bool try_post(std::function<void()> task);
  // Refuses new work, lets queued and running work finish, joins the threads.
  void stop();
  // Like stop(), but waits only until `deadline`. False when work was still running then:
  // the threads are left running (a task cannot be interrupted) and the caller must end
  // the process rather than destroy what that work uses.
  bool stop_within(std::chrono::steady_clock::time_point deadline);
  std::size_t queued() const;
  unsigned thread_count() const { return static_cast<unsigned>(threads_.size()); }

  // Runs task() on a pool thread and resumes the awaiting coroutine on its own executor
  // with the result; nullopt at once when the pool is full. An exception thrown by the
  // task is rethrown in the coroutine.
  //
  // Pass a named task (`auto find = [...]{...}; co_await pool.run(std::move(find));`),
  // never a lambda written inside the co_await expression: GCC 12 mis-destroys non-trivial
  // temporaries of a co_await expression (a captured std::string came out shallow-copied
  // and was freed twice). See docs/decisions/002-http-threading.md.
  template <class Task>
  boost::asio::awaitable<std::optional<std::invoke_result_t<Task>>> run(Task task);

 private:
  void work();

  const std::string name_;
  const std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable work_available_;
  std::condition_variable work_finished_;
  std::deque<std::function<void()>> queue_;
  std::size_t running_ = 0;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

template <class Task>
boost::asio::awaitable<std::optional<std::invoke_result_t<Task>>> BlockingPool::run(Task task) {
  namespace asio = boost::asio;
  using Result = std::invoke_result_t<Task>;
  using Outcome = std::optional<Result>;
  const auto executor = co_await asio::this_coro::executor;
  auto initiate = [this, executor](auto handler, Task work) {
    // The completion handler is move-only; std::function needs copies, so share it.
    auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
    const bool accepted = try_post([shared_handler, executor, work = std::move(work)]() mutable {
      std::exception_ptr failure;
      Outcome outcome;
      try {
        outcome.emplace(work());
      } catch (...) {
        failure = std::current_exception();
      }
      asio::post(executor, [shared_handler, failure, outcome = std::move(outcome)]() mutable {
        (*shared_handler)(failure, std::move(outcome));
      });
    });
    if (!accepted) {
      asio::post(executor, [shared_handler]() mutable { (*shared_handler)(nullptr, Outcome{}); });
    }
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                          void(std::exception_ptr, Outcome)>(
      std::move(initiate), asio::use_awaitable, std::move(task));
}

}  // namespace glassbox::app
