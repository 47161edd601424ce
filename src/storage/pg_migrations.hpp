#pragma once

#include <functional>
#include <string_view>

#include "storage/pg_connection.hpp"

namespace glassbox::storage {

// Applies the embedded PostgreSQL migrations this database has not seen, each in its own
// transaction together with its schema_migrations row, all under one advisory lock so that
// replicas starting together migrate once. Throws StartupError.
void migrate_postgresql(PgConnection& connection,
                        const std::function<void(std::string_view)>& on_event);

}  // namespace glassbox::storage
