#include "storage/sqlite_migrations.hpp"

#include <chrono>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/migration_plan.hpp"

namespace glassbox::storage {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL)";  // epoch milliseconds, like the other SQLite times
constexpr std::string_view kSelectApplied =
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
constexpr std::string_view kInsertApplied =
    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)";

template <class T>
T or_fail(StoreResult<T> result, std::string_view doing) {
  if (!result) {
    throw StartupError("SQLite migrations: " + std::string(doing) + ": " + result.error().detail);
  }
  return std::move(result.value());
}

// Rolls back unless committed, so a failed migration leaves neither schema nor record behind.
class Transaction {
 public:
  explicit Transaction(SqliteConnection& connection) : connection_(connection) {
    // IMMEDIATE takes the write lock before reading schema_migrations: another process
    // starting on the same file waits here, then sees what this one applied.
    or_fail(connection_.exec("BEGIN IMMEDIATE"), "starting a transaction");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (open_) {
      (void)connection_.exec("ROLLBACK");
    }
  }
  void commit() {
    or_fail(connection_.exec("COMMIT"), "committing");
    open_ = false;
  }

 private:
  SqliteConnection& connection_;
  bool open_ = true;
};

std::vector<AppliedMigration> read_applied(SqliteConnection& connection) {
  SqliteQuery query = or_fail(connection.query(kSelectApplied), "reading schema_migrations");
  std::vector<AppliedMigration> applied;
  while (or_fail(query.step(), "reading schema_migrations")) {
    applied.push_back({query.int64_column(0), query.text_column(1), query.text_column(2)});
  }
  return applied;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void migrate_sqlite(SqliteConnection& connection,
                    const std::function<void(std::string_view)>& on_event) {
  const std::vector<Migration> available = load_migrations(embedded_migrations(Dialect::kSqlite));
  bool first_round = true;
  // One migration per transaction; the plan is made again inside each, under the lock.
  while (true) {
    Transaction transaction(connection);
    or_fail(connection.exec(kCreateTable), "creating schema_migrations");
    const MigrationPlan plan = plan_migrations(available, read_applied(connection));
    if (first_round && on_event) {
      for (const AppliedMigration& unknown : plan.unknown) {
        on_event("migration " + unknown.name +
                 " is applied but unknown to this build (a newer release applied it)");
      }
    }
    first_round = false;
    if (plan.pending.empty()) {
      transaction.commit();
      return;
    }
    const Migration& next = plan.pending.front();
    or_fail(connection.exec(std::string(next.sql)), "applying " + next.name);
    {
      SqliteQuery insert = or_fail(connection.query(kInsertApplied), "recording " + next.name);
      insert.bind(1, next.version);
      insert.bind(2, next.name);
      insert.bind(3, next.checksum);
      insert.bind(4, now_ms());
      or_fail(insert.step(), "recording " + next.name);
    }
    transaction.commit();
    if (on_event) {
      on_event("applied migration " + next.name);
    }
  }
}

}  // namespace glassbox::storage
