#include "app/security/rate_limiter.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace glassbox::app {
namespace {

constexpr std::size_t kMaxShards = 16;

// An address as 16 bytes (IPv4 mapped into IPv6), so the table holds no strings and a
// look-up allocates nothing.
using AddressKey = std::array<std::uint8_t, 16>;

AddressKey address_key(std::string_view address) {
  AddressKey key{};
  char text[INET6_ADDRSTRLEN + 1] = {};
  if (address.size() < sizeof(text)) {
    std::memcpy(text, address.data(), address.size());
    in6_addr v6{};
    if (inet_pton(AF_INET6, text, &v6) == 1) {
      std::memcpy(key.data(), &v6, key.size());
      return key;
    }
    in_addr v4{};
    if (inet_pton(AF_INET, text, &v4) == 1) {
      key[10] = 0xff;
      key[11] = 0xff;
      std::memcpy(key.data() + 12, &v4, 4);
      return key;
    }
  }
  // Not an address (cannot come from a socket): bucket by a hash of the text.
  const std::size_t hash = std::hash<std::string_view>{}(address);
  key[0] = 0x01;  // outside the IPv4-mapped and common unicast ranges
  std::memcpy(key.data() + 8, &hash, std::min(sizeof(hash), std::size_t{8}));
  return key;
}

struct AddressKeyHash {
  std::size_t operator()(const AddressKey& key) const {
    // FNV-1a: cheap, and good enough to spread addresses over shards and buckets.
    std::uint64_t hash = 1469598103934665603ULL;
    for (const std::uint8_t byte : key) {
      hash = (hash ^ byte) * 1099511628211ULL;
    }
    return static_cast<std::size_t>(hash);
  }
};

}  // namespace

struct RateLimiter::Shard {
  struct Bucket {
    AddressKey key;
    double tokens;
    Clock::time_point last;
  };
  std::mutex mutex;
  std::size_t capacity = 1;
  std::list<Bucket> recent;  // most recently seen first
  std::unordered_map<AddressKey, std::list<Bucket>::iterator, AddressKeyHash> index;
};

RateLimiter::RateLimiter(double rate, double burst, std::size_t max_clients)
    : rate_(rate), burst_(std::max(1.0, burst)) {
  const std::size_t clients = std::max<std::size_t>(1, max_clients);
  const std::size_t shard_count = std::min(kMaxShards, clients);
  for (std::size_t i = 0; i < shard_count; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->capacity = (clients + shard_count - 1) / shard_count;
    shard->index.reserve(std::min<std::size_t>(shard->capacity, 4096));
    shards_.push_back(std::move(shard));
  }
}

RateLimiter::~RateLimiter() = default;

RateLimiter::Decision RateLimiter::admit(std::string_view client_address, Clock::time_point now) {
  const AddressKey key = address_key(client_address);
  const std::size_t hash = AddressKeyHash{}(key);
  Shard& shard = *shards_[(hash >> 7) % shards_.size()];
  const std::lock_guard lock(shard.mutex);

  auto found = shard.index.find(key);
  if (found == shard.index.end()) {
    if (shard.index.size() >= shard.capacity) {
      // Full: the least recently seen bucket makes room (its node is reused).
      auto oldest = std::prev(shard.recent.end());
      shard.index.erase(oldest->key);
      shard.recent.splice(shard.recent.begin(), shard.recent, oldest);
      shard.recent.front() = Shard::Bucket{key, burst_ - 1, now};
    } else {
      shard.recent.push_front(Shard::Bucket{key, burst_ - 1, now});
    }
    shard.index.emplace(key, shard.recent.begin());
    return {};
  }

  auto bucket = found->second;
  if (bucket != shard.recent.begin())
    shard.recent.splice(shard.recent.begin(), shard.recent, bucket);
  const std::chrono::duration<double> elapsed = now - bucket->last;
  if (elapsed.count() > 0) {
    bucket->tokens = std::min(burst_, bucket->tokens + elapsed.count() * rate_);
    bucket->last = now;
  }
  if (bucket->tokens >= 1) {
    bucket->tokens -= 1;
    return {};
  }
  const double wait = (1 - bucket->tokens) / rate_;
  return {
      .allowed = false,
      .retry_after_seconds = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)))};
}

std::size_t RateLimiter::tracked_clients() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    const std::lock_guard lock(shard->mutex);
    total += shard->index.size();
  }
  return total;
}

}  // namespace glassbox::app
