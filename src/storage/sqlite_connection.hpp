#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "storage/store_result.hpp"

namespace glassbox::storage {

// A StoreError for SQLite result code `code`: a unique-constraint violation is
// kDuplicateEmail (the e-mail index is the only unique constraint a write can break), a busy
// or unreachable database file kUnavailable, anything else kInternal.
StoreError sqlite_error(sqlite3* db, int code, std::string_view what);

// One statement in use: bind, step, read columns. Resets the statement (and clears its
// bindings) when it goes out of scope, so the cached statement is ready for the next call
// and no read or write transaction stays open behind it.
class SqliteQuery {
 public:
  SqliteQuery(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  SqliteQuery(SqliteQuery&& other) noexcept
      : db_(other.db_),
        statement_(std::exchange(other.statement_, nullptr)),
        bind_error_(other.bind_error_) {}
  SqliteQuery& operator=(SqliteQuery&&) = delete;
  ~SqliteQuery();

  // Parameters are numbered from 1 (?1, ?2, ...).
  void bind(int index, std::int64_t value);
  void bind(int index, std::string_view value);
  void bind(int index, std::optional<std::int64_t> value);

  // true: a row is ready to read; false: the statement is done.
  StoreResult<bool> step();

  std::int64_t int64_column(int index) const;
  std::optional<std::int64_t> optional_int64_column(int index) const;
  std::string text_column(int index) const;

 private:
  void check_bind(int code);

  sqlite3* db_;
  sqlite3_stmt* statement_;
  int bind_error_ = SQLITE_OK;
};

// One SQLite connection with its prepared statements. Used by one thread at a time (the
// pool guarantees it), so it is opened without SQLite's own mutexes.
class SqliteConnection {
 public:
  // Opens (creating) the database file and sets the pragmas every connection needs.
  static StoreResult<std::unique_ptr<SqliteConnection>> open(const std::string& path);

  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection();

  // A local file does not go away the way a server does: errors are per statement.
  bool usable() const { return true; }

  // Runs SQL without parameters or results; it may hold several statements.
  StoreResult<Done> exec(const std::string& sql);

  // The statement for `sql`, prepared on first use and kept for the connection's life.
  StoreResult<SqliteQuery> query(std::string_view sql);

  sqlite3* handle() const { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  // Transparent hashing: a lookup by string_view allocates nothing.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> statements_;
};

}  // namespace glassbox::storage
