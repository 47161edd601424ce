#pragma once

#include <functional>
#include <string_view>

#include "storage/sqlite_connection.hpp"

namespace glassbox::storage {

// Applies the embedded SQLite migrations that this database has not seen, each in its own
// transaction together with its schema_migrations row. Throws StartupError.
void migrate_sqlite(SqliteConnection& connection,
                    const std::function<void(std::string_view)>& on_event);

}  // namespace glassbox::storage
