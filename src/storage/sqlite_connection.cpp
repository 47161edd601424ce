#include "storage/sqlite_connection.hpp"

#include <string>

namespace glassbox::storage {
namespace {

// How long a statement waits for another connection's write lock before giving up with
// SQLITE_BUSY (reported as kUnavailable). Writes here take microseconds, so reaching this
// means something is badly wrong, not ordinary contention.
constexpr int kBusyTimeoutMs = 5000;

// WAL lets readers proceed beside the single writer; NORMAL is durable across application
// crashes in WAL mode (only a power cut can lose the last commits), and much faster than FULL.
constexpr const char* kConnectionPragmas =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA foreign_keys = ON;";

}  // namespace

StoreError sqlite_error(sqlite3* db, int code, std::string_view what) {
  std::string detail(what);
  detail += ": ";
  detail += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  if (code == SQLITE_CONSTRAINT_UNIQUE) {
    return {StoreErrorKind::kDuplicateEmail, std::move(detail)};
  }
  switch (code & 0xff) {  // the primary result code
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
      return {StoreErrorKind::kUnavailable, std::move(detail)};
    default:
      return {StoreErrorKind::kInternal, std::move(detail)};
  }
}

SqliteQuery::~SqliteQuery() {
  if (statement_ != nullptr) {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
}

void SqliteQuery::check_bind(int code) {
  if (code != SQLITE_OK && bind_error_ == SQLITE_OK) {
    bind_error_ = code;  // reported by the next step(), so callers need not check each bind
  }
}

void SqliteQuery::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(statement_, index, value));
}

void SqliteQuery::bind(int index, std::string_view value) {
  check_bind(sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8));
}

void SqliteQuery::bind(int index, std::optional<std::int64_t> value) {
  check_bind(value ? sqlite3_bind_int64(statement_, index, *value)
                   : sqlite3_bind_null(statement_, index));
}

StoreResult<bool> SqliteQuery::step() {
  if (bind_error_ != SQLITE_OK) {
    return sqlite_error(db_, bind_error_, "binding a parameter");
  }
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) {
    return true;
  }
  if (code == SQLITE_DONE) {
    return false;
  }
  return sqlite_error(db_, code, "running a statement");
}

std::int64_t SqliteQuery::int64_column(int index) const {
  return sqlite3_column_int64(statement_, index);
}

std::optional<std::int64_t> SqliteQuery::optional_int64_column(int index) const {
  if (sqlite3_column_type(statement_, index) == SQLITE_NULL) {
    return std::nullopt;
  }
  return sqlite3_column_int64(statement_, index);
}

std::string SqliteQuery::text_column(int index) const {
  const unsigned char* text = sqlite3_column_text(statement_, index);
  if (text == nullptr) {
    return {};
  }
  // Text columns come back as unsigned char; the bytes are UTF-8 either way.
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement_, index)));
}

StoreResult<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int code = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  // Owns the handle from here on, even when opening failed (SQLite still allocates one).
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db));
  if (code != SQLITE_OK) {
    return sqlite_error(db, code, "opening " + path);
  }
  sqlite3_extended_result_codes(db, 1);  // tells a UNIQUE violation from other constraints
  // Before any other statement: even switching to WAL may have to wait for another process.
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  if (auto done = connection->exec(kConnectionPragmas); !done) {
    return done.error();
  }
  return connection;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, statement] : statements_) {
    sqlite3_finalize(statement);
  }
  sqlite3_close_v2(db_);
}

StoreResult<Done> SqliteConnection::exec(const std::string& sql) {
  char* message = nullptr;
  const int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);  // sqlite3_errmsg() below says the same
  if (code != SQLITE_OK) {
    return sqlite_error(db_, code, "executing SQL");
  }
  return Done{};
}

StoreResult<SqliteQuery> SqliteConnection::query(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    sqlite3_stmt* statement = nullptr;
    const int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (code != SQLITE_OK) {
      return sqlite_error(db_, code, "preparing a statement");
    }
    found = statements_.emplace(std::string(sql), statement).first;
  }
  return SqliteQuery(db_, found->second);
}

}  // namespace glassbox::storage
