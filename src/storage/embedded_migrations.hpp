#pragma once

#include <span>
#include <string_view>

namespace glassbox::storage {

enum class Dialect { kSqlite, kPostgresql };

// One migrations/<dialect>/*.sql file as built into the binary.
struct EmbeddedMigration {
  std::string_view file_name;  // e.g. 0001_create_users.sql
  std::string_view sql;        // the file's bytes, unchanged
};

// The migrations of one dialect, sorted by file name. Defined in a source file that
// cmake/embed_migrations.cmake generates at build time.
std::span<const EmbeddedMigration> embedded_migrations(Dialect dialect);

}  // namespace glassbox::storage
