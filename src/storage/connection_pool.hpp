#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "storage/store_result.hpp"
#include "storage/user_store.hpp"

namespace glassbox::storage {

// A bounded pool of `size` connection slots. A slot is opened lazily by the factory the
// first time it is needed, and again after its connection was found broken, which is how a
// store recovers by itself when the database comes back.
//
// Connection must provide `bool usable() const`: a lease whose connection is no longer
// usable drops it when returned, and closes the idle ones too, because a server that went
// away took every connection with it; the next callers then open fresh ones instead of each
// discovering a dead socket in turn.
template <class Connection>
class ConnectionPool {
 public:
  using Factory = std::function<StoreResult<std::unique_ptr<Connection>>()>;

  // Exclusive use of one connection, returned to the pool on destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr && connection_ != nullptr) {
        pool_->release(std::move(connection_));
      }
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}

    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  ConnectionPool(int size, std::chrono::milliseconds acquire_timeout, Factory factory)
      : acquire_timeout_(acquire_timeout), factory_(std::move(factory)) {
    free_.resize(static_cast<std::size_t>(size < 1 ? 1 : size));
  }
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Waits at most the acquire timeout for a free slot, opening its connection if needed.
  StoreResult<Lease> acquire() {
    std::unique_ptr<Connection> connection;
    {
      std::unique_lock lock(mutex_);
      if (!available_.wait_for(lock, acquire_timeout_, [this] { return !free_.empty(); })) {
        return StoreError{StoreErrorKind::kUnavailable,
                          "no free database connection within " +
                              std::to_string(acquire_timeout_.count()) + " ms"};
      }
      // Open connections are kept at the back, so they are reused before new ones are made.
      connection = std::move(free_.back());
      free_.pop_back();
      in_use_.fetch_add(1);
      if (connection != nullptr) {
        idle_.fetch_sub(1);
      }
    }
    if (connection == nullptr) {
      // Outside the lock: connecting can take up to the connect timeout.
      auto opened = factory_();
      if (!opened) {
        give_back_slot(nullptr);
        return opened.error();
      }
      connection = std::move(opened.value());
    }
    return Lease(this, std::move(connection));
  }

  PoolStats stats() const { return PoolStats{in_use_.load(), idle_.load()}; }

 private:
  void release(std::unique_ptr<Connection> connection) {
    if (connection->usable()) {
      give_back_slot(std::move(connection));
      return;
    }
    std::vector<std::unique_ptr<Connection>> stale;
    {
      std::lock_guard lock(mutex_);
      for (auto& slot : free_) {
        if (slot != nullptr) {
          stale.push_back(std::move(slot));
          idle_.fetch_sub(1);
        }
      }
    }
    give_back_slot(nullptr);
    connection.reset();
    stale.clear();  // closed outside the lock
  }

  void give_back_slot(std::unique_ptr<Connection> connection) {
    {
      std::lock_guard lock(mutex_);
      in_use_.fetch_sub(1);
      if (connection != nullptr) {
        idle_.fetch_add(1);
        free_.push_back(std::move(connection));
      } else {
        free_.insert(free_.begin(), nullptr);
      }
    }
    available_.notify_one();
  }

  const std::chrono::milliseconds acquire_timeout_;
  const Factory factory_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> free_;  // null: a slot not connected yet
  // Written under the mutex, read without it by pool_stats() (metrics scrapes).
  std::atomic<int> in_use_{0};
  std::atomic<int> idle_{0};
};

}  // namespace glassbox::storage
