#pragma once

#include <memory>

#include "storage/connection_pool.hpp"
#include "storage/database.hpp"
#include "storage/database_url.hpp"
#include "storage/pg_connection.hpp"
#include "storage/user_store.hpp"

namespace glassbox::storage {

class PgUserStore final : public UserStore {
 public:
  // No connection is opened here: each pool slot connects on first use.
  PgUserStore(const PostgresqlTarget& target, const DatabaseOptions& options);

  StoreResult<User> insert(const NewUser& user) override;
  StoreResult<User> find(std::int64_t id) override;
  StoreResult<UserPage> list(int limit, std::int64_t offset) override;
  StoreResult<User> replace(std::int64_t id, std::string_view name,
                            std::string_view email) override;
  StoreResult<Done> remove(std::int64_t id) override;
  StoreResult<std::vector<std::int64_t>> delete_expired(std::int64_t now_ms) override;
  StoreResult<Done> ping() override;

  std::string_view system_name() const override { return "postgresql"; }
  PoolStats pool_stats() const override { return pool_.stats(); }

 private:
  // Takes a connection and runs `statement`; the connection goes back to the pool (or is
  // dropped, if it was lost) before this returns.
  StoreResult<PgResult> run(const PgStatement& statement, const PgParams& params);
  // Runs a statement that returns at most one user row; kNotFound when it returns none.
  StoreResult<User> one_user(const PgStatement& statement, const PgParams& params, std::int64_t id);

  ConnectionPool<PgConnection> pool_;
};

// Waits (up to options.startup_wait) for the server, migrates, and returns the store.
// Throws StartupError.
std::unique_ptr<UserStore> open_postgresql_store(const PostgresqlTarget& target,
                                                 const DatabaseOptions& options);

}  // namespace glassbox::storage
