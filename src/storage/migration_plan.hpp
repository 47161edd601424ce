#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/embedded_migrations.hpp"

// The database-independent half of the migration runner: naming, checksums, and deciding
// what to apply. The SQLite and PostgreSQL runners only read schema_migrations, call
// plan_migrations() and execute its answer, so every rule here is testable without a database.
namespace glassbox::storage {

struct Migration {
  std::int64_t version = 0;  // the leading number of the file name
  std::string name;          // the file name, e.g. 0001_create_users.sql
  std::string_view sql;      // embedded text (static storage)
  std::string checksum;      // SHA-256 of the text, lower-case hex
};

// A row of schema_migrations.
struct AppliedMigration {
  std::int64_t version = 0;
  std::string name;
  std::string checksum;
};

struct MigrationPlan {
  std::vector<Migration> pending;  // to apply, in this order
  // Recorded as applied but unknown to this binary: a newer release migrated the database
  // (normal during a rolling update). Reported, not refused.
  std::vector<AppliedMigration> unknown;
};

// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

// The version of a migration file named NNNN_description.sql; nullopt for any other name.
std::optional<std::int64_t> migration_version(std::string_view file_name);

// Checks names, refuses duplicate versions, sorts by version and computes checksums.
// Throws StartupError.
std::vector<Migration> load_migrations(std::span<const EmbeddedMigration> files);

// What to apply, given the migrations this binary carries (sorted, from load_migrations)
// and those schema_migrations records. Throws StartupError when an applied migration was
// changed since (checksum differs), or when a pending migration is older than one already
// applied (it would run against a schema it was not written for).
MigrationPlan plan_migrations(std::span<const Migration> available,
                              std::span<const AppliedMigration> applied);

}  // namespace glassbox::storage
