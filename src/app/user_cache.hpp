#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace glassbox::app {

// A bounded least-recently-used cache from user id to that user's JSON body, so that
// GET /api/users/{id} is answered on the I/O thread without a database round trip.
//
// Thread-safe (one mutex; every operation is O(1) and short). Capacity 0 disables it.
// Stale reads are prevented by a generation counter: a reader notes generation() before
// it reads the database, and put_if_unchanged() stores the value only if no invalidation
// happened since, so a read racing a write can never put the old row back.
class UserCache {
 public:
  explicit UserCache(std::size_t capacity);

  std::optional<std::string> get(std::int64_t id);
  std::uint64_t generation() const;
  void put_if_unchanged(std::int64_t id, std::string json, std::uint64_t generation_seen);
  void invalidate(std::int64_t id);
  void clear();
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  using Entry = std::pair<std::int64_t, std::string>;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> recency_;  // front: most recently used
  std::unordered_map<std::int64_t, std::list<Entry>::iterator> index_;
  std::uint64_t generation_ = 0;
};

}  // namespace glassbox::app
