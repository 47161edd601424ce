#include "storage/sqlite_user_store.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "storage/sqlite_migrations.hpp"

namespace glassbox::storage {
namespace {

// Column order of every statement that returns users; read by read_user().
constexpr std::string_view kInsert =
    "INSERT INTO users (name, email, created_at, expires_at) VALUES (?1, ?2, ?3, ?4) "
    "RETURNING id, name, email, created_at, expires_at";
constexpr std::string_view kFind =
    "SELECT id, name, email, created_at, expires_at FROM users WHERE id = ?1";
constexpr std::string_view kReplace =
    "UPDATE users SET name = ?2, email = ?3 WHERE id = ?1 "
    "RETURNING id, name, email, created_at, expires_at";
constexpr std::string_view kRemove = "DELETE FROM users WHERE id = ?1 RETURNING id";
constexpr std::string_view kDeleteExpired = "DELETE FROM users WHERE expires_at <= ?1 RETURNING id";
constexpr std::string_view kPing = "SELECT 1";
// The page and the total in one statement, hence one snapshot: the total always agrees with
// the page. The LEFT JOIN keeps a row (with a NULL id) when the page is empty.
constexpr std::string_view kList =
    "WITH page AS (SELECT id, name, email, created_at, expires_at FROM users "
    "ORDER BY id LIMIT ?1 OFFSET ?2) "
    "SELECT total.n, page.id, page.name, page.email, page.created_at, page.expires_at "
    "FROM (SELECT count(*) AS n FROM users) AS total LEFT JOIN page ON 1 ORDER BY page.id";

User read_user(const SqliteQuery& query, int first) {
  return User{query.int64_column(first), query.text_column(first + 1), query.text_column(first + 2),
              query.int64_column(first + 3), query.optional_int64_column(first + 4)};
}

StoreError not_found(std::int64_t id) {
  return {StoreErrorKind::kNotFound, "no user with id " + std::to_string(id)};
}

}  // namespace

SqliteUserStore::SqliteUserStore(const SqliteTarget& target, const DatabaseOptions& options)
    // Every connection to ":memory:" would be a database of its own, so the in-memory
    // database is exactly one connection, shared in turn.
    : pool_(target.in_memory ? 1 : options.pool_size, options.acquire_timeout,
            [path = target.path] { return SqliteConnection::open(path); }) {}

void SqliteUserStore::migrate(const std::function<void(std::string_view)>& on_event) {
  auto lease = pool_.acquire();
  if (!lease) {
    throw StartupError("DATABASE_URL: cannot open the SQLite database: " + lease.error().detail);
  }
  migrate_sqlite(*lease.value(), on_event);
}

template <class Bind>
StoreResult<User> SqliteUserStore::one_user(std::string_view sql, const Bind& bind) {
  auto lease = pool_.acquire();
  if (!lease) {
    return lease.error();
  }
  auto query = lease.value()->query(sql);
  if (!query) {
    return query.error();
  }
  SqliteQuery& q = query.value();
  bind(q);
  auto row = q.step();
  if (!row) {
    return row.error();
  }
  if (!row.value()) {
    return StoreError{StoreErrorKind::kNotFound, "no such user"};
  }
  User user = read_user(q, 0);
  // Step to the end: for a write, that is where SQLite reports a failed commit.
  if (auto done = q.step(); !done) {
    return done.error();
  }
  return user;
}

template <class Bind>
StoreResult<std::vector<std::int64_t>> SqliteUserStore::ids(std::string_view sql,
                                                            const Bind& bind) {
  auto lease = pool_.acquire();
  if (!lease) {
    return lease.error();
  }
  auto query = lease.value()->query(sql);
  if (!query) {
    return query.error();
  }
  SqliteQuery& q = query.value();
  bind(q);
  std::vector<std::int64_t> ids;
  while (true) {
    auto row = q.step();
    if (!row) {
      return row.error();
    }
    if (!row.value()) {
      return ids;
    }
    ids.push_back(q.int64_column(0));
  }
}

StoreResult<User> SqliteUserStore::insert(const NewUser& user) {
  return one_user(kInsert, [&](SqliteQuery& q) {
    q.bind(1, std::string_view(user.name));
    q.bind(2, std::string_view(user.email));
    q.bind(3, user.created_at_ms);
    q.bind(4, user.expires_at_ms);
  });
}

StoreResult<User> SqliteUserStore::find(std::int64_t id) {
  auto user = one_user(kFind, [&](SqliteQuery& q) { q.bind(1, id); });
  if (!user && user.error().kind == StoreErrorKind::kNotFound) {
    return not_found(id);
  }
  return user;
}

StoreResult<User> SqliteUserStore::replace(std::int64_t id, std::string_view name,
                                           std::string_view email) {
  auto user = one_user(kReplace, [&](SqliteQuery& q) {
    q.bind(1, id);
    q.bind(2, name);
    q.bind(3, email);
  });
  if (!user && user.error().kind == StoreErrorKind::kNotFound) {
    return not_found(id);
  }
  return user;
}

StoreResult<UserPage> SqliteUserStore::list(int limit, std::int64_t offset) {
  auto lease = pool_.acquire();
  if (!lease) {
    return lease.error();
  }
  auto query = lease.value()->query(kList);
  if (!query) {
    return query.error();
  }
  SqliteQuery& q = query.value();
  q.bind(1, std::int64_t{limit});
  q.bind(2, offset);
  UserPage page;
  while (true) {
    auto row = q.step();
    if (!row) {
      return row.error();
    }
    if (!row.value()) {
      return page;
    }
    page.total = q.int64_column(0);
    if (q.optional_int64_column(1)) {
      page.items.push_back(read_user(q, 1));
    }
  }
}

StoreResult<Done> SqliteUserStore::remove(std::int64_t id) {
  auto deleted = ids(kRemove, [&](SqliteQuery& q) { q.bind(1, id); });
  if (!deleted) {
    return deleted.error();
  }
  if (deleted.value().empty()) {
    return not_found(id);
  }
  return Done{};
}

StoreResult<std::vector<std::int64_t>> SqliteUserStore::delete_expired(std::int64_t now_ms) {
  auto deleted = ids(kDeleteExpired, [&](SqliteQuery& q) { q.bind(1, now_ms); });
  if (deleted) {
    std::sort(deleted.value().begin(), deleted.value().end());  // RETURNING has no order
  }
  return deleted;
}

StoreResult<Done> SqliteUserStore::ping() {
  auto result = ids(kPing, [](SqliteQuery&) {});
  if (!result) {
    return result.error();
  }
  return Done{};
}

std::unique_ptr<UserStore> open_sqlite_store(const SqliteTarget& target,
                                             const DatabaseOptions& options) {
  if (!target.in_memory) {
    const std::filesystem::path directory = std::filesystem::path(target.path).parent_path();
    std::error_code error;
    if (!directory.empty()) {
      std::filesystem::create_directories(directory, error);
    }
    if (error) {
      throw StartupError("DATABASE_URL: cannot create the directory " + directory.string() +
                         " for the SQLite database: " + error.message());
    }
  }
  auto store = std::make_unique<SqliteUserStore>(target, options);
  store->migrate(options.on_event);
  return store;
}

}  // namespace glassbox::storage
