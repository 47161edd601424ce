#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/store_result.hpp"

namespace glassbox::storage {

// Times are Unix epoch milliseconds (UTC); the app formats them as RFC 3339.
struct User {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> expires_at_ms;
};

struct NewUser {
  std::string name;
  std::string email;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> expires_at_ms;
};

struct UserPage {
  std::vector<User> items;  // ordered by id ascending
  std::int64_t total = 0;   // number of users in the table, not in this page
};

// Connection-pool occupancy, read by the metrics of a later layer.
struct PoolStats {
  int in_use = 0;
  int idle = 0;
};

// The users table. Every call blocks (it talks to the database), so callers run it on a
// worker pool, never on an I/O thread. Thread-safe: any number of threads may call at
// once; each call takes a pooled connection for its duration (waiting at most the pool's
// acquire timeout, then answering kUnavailable). Failures come back as StoreError values;
// a lost connection is dropped and re-opened by a later call, so the store recovers by
// itself when the database comes back.
class UserStore {
 public:
  virtual ~UserStore() = default;

  // kDuplicateEmail when the e-mail (compared case-insensitively) is taken.
  virtual StoreResult<User> insert(const NewUser& user) = 0;
  // kNotFound when there is no such id.
  virtual StoreResult<User> find(std::int64_t id) = 0;
  // limit and offset are already validated (limit 1..100, offset >= 0).
  virtual StoreResult<UserPage> list(int limit, std::int64_t offset) = 0;
  // Replaces name and e-mail, keeps created_at/expires_at. kNotFound, kDuplicateEmail.
  virtual StoreResult<User> replace(std::int64_t id, std::string_view name,
                                    std::string_view email) = 0;
  // kNotFound when there is no such id.
  virtual StoreResult<Done> remove(std::int64_t id) = 0;
  // Deletes users whose expires_at <= now_ms; returns the deleted ids.
  virtual StoreResult<std::vector<std::int64_t>> delete_expired(std::int64_t now_ms) = 0;
  // A cheap round trip (SELECT 1) for readiness.
  virtual StoreResult<Done> ping() = 0;

  // "sqlite" or "postgresql": the OpenTelemetry db.system.name value.
  virtual std::string_view system_name() const = 0;
  virtual PoolStats pool_stats() const = 0;
};

}  // namespace glassbox::storage
