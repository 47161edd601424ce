#include "storage/pg_migrations.hpp"

#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/migration_plan.hpp"

namespace glassbox::storage {
namespace {

// The advisory lock every Glassbox instance takes to migrate: "glassbox" in ASCII, so it
// is unlikely to collide with another application's keys in the same database.
constexpr const char* kLockKey = "7452728113446555512";  // 0x676c617373626f78

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version bigint PRIMARY KEY,"
    " name text NOT NULL,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";
constexpr const char* kSelectApplied =
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
constexpr const char* kInsertApplied =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1::bigint, $2, $3)";

PgResult or_fail(StoreResult<PgResult> result, std::string_view doing) {
  if (!result) {
    throw StartupError("PostgreSQL migrations: " + std::string(doing) + ": " +
                       result.error().detail);
  }
  return std::move(result.value());
}

// Holds the migration lock for the whole run. A session lock, so it is released if this
// process dies, and released explicitly before the connection goes on to serve requests.
class MigrationLock {
 public:
  MigrationLock(PgConnection& connection, const std::function<void(std::string_view)>& on_event)
      : connection_(connection) {
    const std::string key(kLockKey);
    PgResult tried = or_fail(connection_.exec("SELECT pg_try_advisory_lock(" + key + ")"),
                             "taking the migration lock");
    if (pg_text(tried.get(), 0, 0) != "t") {
      if (on_event) {
        on_event("waiting for the migration lock (another instance is migrating)");
      }
      or_fail(connection_.exec("SELECT pg_advisory_lock(" + key + ")"),
              "waiting for the migration lock");
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;
  ~MigrationLock() {
    (void)connection_.exec("SELECT pg_advisory_unlock(" + std::string(kLockKey) + ")");
  }

 private:
  PgConnection& connection_;
};

std::vector<AppliedMigration> read_applied(PgConnection& connection) {
  PgResult rows = or_fail(connection.exec(kSelectApplied), "reading schema_migrations");
  std::vector<AppliedMigration> applied;
  for (int row = 0; row < PQntuples(rows.get()); ++row) {
    applied.push_back(
        {pg_int64(rows.get(), row, 0), pg_text(rows.get(), row, 1), pg_text(rows.get(), row, 2)});
  }
  return applied;
}

void apply(PgConnection& connection, const Migration& migration) {
  or_fail(connection.exec("BEGIN"), "starting a transaction for " + migration.name);
  PgParams params;
  params.add(migration.version)
      .add(std::string_view(migration.name))
      .add(std::string_view(migration.checksum));
  auto applied = connection.exec(std::string(migration.sql));
  auto recorded = applied ? connection.exec(kInsertApplied, params) : std::move(applied);
  auto committed = recorded ? connection.exec("COMMIT") : std::move(recorded);
  if (!committed) {
    (void)connection.exec("ROLLBACK");
    throw StartupError("PostgreSQL migrations: applying " + migration.name + ": " +
                       committed.error().detail);
  }
}

}  // namespace

void migrate_postgresql(PgConnection& connection,
                        const std::function<void(std::string_view)>& on_event) {
  const std::vector<Migration> available =
      load_migrations(embedded_migrations(Dialect::kPostgresql));
  const MigrationLock lock(connection, on_event);
  or_fail(connection.exec(kCreateTable), "creating schema_migrations");
  // Read under the lock: an instance that waited sees what the other one applied.
  const MigrationPlan plan = plan_migrations(available, read_applied(connection));
  if (on_event) {
    for (const AppliedMigration& unknown : plan.unknown) {
      on_event("migration " + unknown.name +
               " is applied but unknown to this build (a newer release applied it)");
    }
  }
  for (const Migration& migration : plan.pending) {
    apply(connection, migration);
    if (on_event) {
      on_event("applied migration " + migration.name);
    }
  }
}

}  // namespace glassbox::storage
