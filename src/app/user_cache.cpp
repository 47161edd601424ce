#include "app/user_cache.hpp"

#include <algorithm>
#include <utility>

namespace glassbox::app {

UserCache::UserCache(std::size_t capacity) : capacity_(capacity) {
  // Buckets up front, since rehashing under the lock stalls every reader at once; capped so
  // that a huge capacity does not cost memory before it is used.
  constexpr std::size_t kMaxReserved = 1 << 16;
  index_.reserve(std::min(capacity, kMaxReserved));
}

std::optional<std::string> UserCache::get(std::int64_t id) {
  const std::lock_guard lock(mutex_);
  const auto found = index_.find(id);
  if (found == index_.end()) {
    return std::nullopt;
  }
  recency_.splice(recency_.begin(), recency_, found->second);
  return found->second->second;
}

std::uint64_t UserCache::generation() const {
  const std::lock_guard lock(mutex_);
  return generation_;
}

void UserCache::put_if_unchanged(std::int64_t id, std::string json, std::uint64_t generation_seen) {
  const std::lock_guard lock(mutex_);
  // A write happened after the reader looked at the database: its row may be stale.
  if (capacity_ == 0 || generation_seen != generation_) {
    return;
  }
  if (const auto found = index_.find(id); found != index_.end()) {
    found->second->second = std::move(json);
    recency_.splice(recency_.begin(), recency_, found->second);
    return;
  }
  if (recency_.size() == capacity_) {
    index_.erase(recency_.back().first);
    recency_.pop_back();
  }
  recency_.emplace_front(id, std::move(json));
  index_.emplace(id, recency_.begin());
}

void UserCache::invalidate(std::int64_t id) {
  const std::lock_guard lock(mutex_);
  ++generation_;
  if (const auto found = index_.find(id); found != index_.end()) {
    recency_.erase(found->second);
    index_.erase(found);
  }
}

void UserCache::clear() {
  const std::lock_guard lock(mutex_);
  ++generation_;
  recency_.clear();
  index_.clear();
}

std::size_t UserCache::size() const {
  const std::lock_guard lock(mutex_);
  return recency_.size();
}

}  // namespace glassbox::app
