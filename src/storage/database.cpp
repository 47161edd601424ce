#include "storage/database.hpp"

#include <variant>

#include "storage/database_url.hpp"
#include "storage/pg_user_store.hpp"
#include "storage/sqlite_user_store.hpp"

namespace glassbox::storage {

std::unique_ptr<UserStore> open_database(const DatabaseOptions& options) {
  if (options.pool_size < 1) {
    throw StartupError("database pool size must be at least 1, got " +
                       std::to_string(options.pool_size));
  }
  const DatabaseTarget target = parse_database_url(options.url);
  if (const auto* sqlite = std::get_if<SqliteTarget>(&target)) {
    return open_sqlite_store(*sqlite, options);
  }
  return open_postgresql_store(std::get<PostgresqlTarget>(target), options);
}

}  // namespace glassbox::storage
