#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "storage/user_store.hpp"

namespace glassbox::storage {

// Thrown at start-up only: a DATABASE_URL that does not parse, a migration that was changed
// after it was applied, a migration that fails. main() reports it and exits.
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DatabaseOptions {
  std::string url;    // sqlite://PATH, sqlite://:memory:, postgresql://...
  int pool_size = 4;  // connections (sqlite://:memory: always uses one)
  std::chrono::milliseconds acquire_timeout{1000};  // waiting for a free connection
  std::chrono::seconds connect_timeout{2};          // opening a PostgreSQL connection
  // How long start-up keeps retrying a PostgreSQL server that is not up yet (a database
  // container starting beside this one) before giving up with StartupError.
  std::chrono::seconds startup_wait{30};
  // Receives start-up events (migration applied, waiting for the migration lock, ...).
  std::function<void(std::string_view message)> on_event;
};

// Opens the database the URL names, applies pending migrations (in order, each once,
// checksums verified; on PostgreSQL under an advisory lock so that replicas starting
// together migrate once) and returns the store. Throws StartupError for a bad URL, a
// migration problem, or a database still unreachable after `startup_wait`.
std::unique_ptr<UserStore> open_database(const DatabaseOptions& options);

// True when the URL names PostgreSQL (postgres:// or postgresql://).
bool is_postgresql_url(std::string_view url);

}  // namespace glassbox::storage
