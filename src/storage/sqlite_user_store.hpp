#pragma once

#include <memory>

#include "storage/connection_pool.hpp"
#include "storage/database.hpp"
#include "storage/database_url.hpp"
#include "storage/sqlite_connection.hpp"
#include "storage/user_store.hpp"

namespace glassbox::storage {

class SqliteUserStore final : public UserStore {
 public:
  // Connections are opened on first use; migrate() uses (and thereby opens) the first one.
  SqliteUserStore(const SqliteTarget& target, const DatabaseOptions& options);

  // Applies pending migrations. Throws StartupError.
  void migrate(const std::function<void(std::string_view)>& on_event);

  StoreResult<User> insert(const NewUser& user) override;
  StoreResult<User> find(std::int64_t id) override;
  StoreResult<UserPage> list(int limit, std::int64_t offset) override;
  StoreResult<User> replace(std::int64_t id, std::string_view name,
                            std::string_view email) override;
  StoreResult<Done> remove(std::int64_t id) override;
  StoreResult<std::vector<std::int64_t>> delete_expired(std::int64_t now_ms) override;
  StoreResult<Done> ping() override;

  std::string_view system_name() const override { return "sqlite"; }
  PoolStats pool_stats() const override { return pool_.stats(); }

 private:
  // Runs a statement expected to return at most one user row; kNotFound when it returns none.
  // `bind` is called with the SqliteQuery to set the parameters. (Templates, defined in the
  // source file, so that the calls on the request path do not allocate a std::function.)
  template <class Bind>
  StoreResult<User> one_user(std::string_view sql, const Bind& bind);

  // Runs a statement whose rows are ids (column 0) and collects them.
  template <class Bind>
  StoreResult<std::vector<std::int64_t>> ids(std::string_view sql, const Bind& bind);

  ConnectionPool<SqliteConnection> pool_;
};

// Creates the database file's directory, opens the store and migrates it. Throws StartupError.
std::unique_ptr<UserStore> open_sqlite_store(const SqliteTarget& target,
                                             const DatabaseOptions& options);

}  // namespace glassbox::storage
