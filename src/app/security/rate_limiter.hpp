#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace glassbox::app {

// A token bucket per client address: each client may make `burst` requests at once and
// `rate` per second after that.
//
// Memory is bounded: at most `max_clients` buckets (rounded up to a multiple of the shard
// count) are kept. When the table is full, the bucket of the client seen least recently is
// forgotten to make room; that client starts again with a full bucket. So a flood of new
// addresses can make the limiter forget (more permissive), never grow without bound and
// never refuse a client it has not seen.
//
// Thread-safe. The table is split into shards, each behind its own mutex, chosen by the
// address's hash, so threads serving different clients rarely meet.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    bool allowed = true;
    std::int64_t retry_after_seconds = 0;  // when refused: until one token is back (>= 1)
  };

  // rate > 0 per second, burst >= 1, max_clients >= 1.
  RateLimiter(double rate, double burst, std::size_t max_clients);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one token from `client_address`'s bucket at time `now` (injected, so tests need
  // no sleeping). An address that does not parse as IPv4/IPv6 is bucketed by its text.
  Decision admit(std::string_view client_address, Clock::time_point now);

  // Buckets currently kept (for tests and the bound's proof).
  std::size_t tracked_clients() const;

 private:
  struct Shard;
  double rate_;
  double burst_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace glassbox::app
