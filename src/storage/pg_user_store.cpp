#include "storage/pg_user_store.hpp"

#include <algorithm>

namespace glassbox::storage {
namespace {

// Times cross the wire as epoch milliseconds (bigint) and are converted in SQL, exactly:
// integer milliseconds to an interval on the way in, and floor(epoch * 1000) on the way out
// (extract() returns numeric, so no floating-point rounding).
constexpr PgStatement kInsert{
    "users_insert",
    "INSERT INTO users (name, email, created_at, expires_at) VALUES ($1, $2, "
    "'epoch'::timestamptz + $3::bigint * interval '1 millisecond', "
    "'epoch'::timestamptz + $4::bigint * interval '1 millisecond') "
    "RETURNING id, name, email, floor(extract(epoch FROM created_at) * 1000)::bigint, "
    "floor(extract(epoch FROM expires_at) * 1000)::bigint"};
constexpr PgStatement kFind{
    "users_find",
    "SELECT id, name, email, floor(extract(epoch FROM created_at) * 1000)::bigint, "
    "floor(extract(epoch FROM expires_at) * 1000)::bigint FROM users WHERE id = $1::bigint"};
constexpr PgStatement kReplace{
    "users_replace",
    "UPDATE users SET name = $2, email = $3 WHERE id = $1::bigint "
    "RETURNING id, name, email, floor(extract(epoch FROM created_at) * 1000)::bigint, "
    "floor(extract(epoch FROM expires_at) * 1000)::bigint"};
constexpr PgStatement kRemove{"users_remove",
                              "DELETE FROM users WHERE id = $1::bigint RETURNING id"};
constexpr PgStatement kDeleteExpired{
    "users_delete_expired",
    "DELETE FROM users WHERE expires_at <= "
    "'epoch'::timestamptz + $1::bigint * interval '1 millisecond' RETURNING id"};
constexpr PgStatement kPing{"ping", "SELECT 1"};
// The page and the total in one statement, hence one snapshot: the total always agrees with
// the page. The LEFT JOIN keeps a row (with a NULL id) when the page is empty.
constexpr PgStatement kList{
    "users_list",
    "WITH page AS (SELECT id, name, email, created_at, expires_at FROM users "
    "ORDER BY id LIMIT $1::bigint OFFSET $2::bigint) "
    "SELECT total.n, page.id, page.name, page.email, "
    "floor(extract(epoch FROM page.created_at) * 1000)::bigint, "
    "floor(extract(epoch FROM page.expires_at) * 1000)::bigint "
    "FROM (SELECT count(*) AS n FROM users) AS total LEFT JOIN page ON true ORDER BY page.id"};

User read_user(const PGresult* rows, int row, int first) {
  return User{pg_int64(rows, row, first), pg_text(rows, row, first + 1),
              pg_text(rows, row, first + 2), pg_int64(rows, row, first + 3),
              pg_optional_int64(rows, row, first + 4)};
}

StoreError not_found(std::int64_t id) {
  return {StoreErrorKind::kNotFound, "no user with id " + std::to_string(id)};
}

}  // namespace

PgUserStore::PgUserStore(const PostgresqlTarget& target, const DatabaseOptions& options)
    : pool_(options.pool_size, options.acquire_timeout,
            [url = target.url, timeout = options.connect_timeout] {
              return PgConnection::open(url, timeout);
            }) {}

StoreResult<PgResult> PgUserStore::run(const PgStatement& statement, const PgParams& params) {
  auto lease = pool_.acquire();
  if (!lease) {
    return lease.error();
  }
  return lease.value()->run(statement, params);
}

StoreResult<User> PgUserStore::one_user(const PgStatement& statement, const PgParams& params,
                                        std::int64_t id) {
  auto rows = run(statement, params);
  if (!rows) {
    return rows.error();
  }
  if (PQntuples(rows.value().get()) == 0) {
    return not_found(id);
  }
  return read_user(rows.value().get(), 0, 0);
}

StoreResult<User> PgUserStore::insert(const NewUser& user) {
  PgParams params;
  params.add(std::string_view(user.name))
      .add(std::string_view(user.email))
      .add(user.created_at_ms)
      .add(user.expires_at_ms);
  return one_user(kInsert, params, 0);
}

StoreResult<User> PgUserStore::find(std::int64_t id) {
  PgParams params;
  params.add(id);
  return one_user(kFind, params, id);
}

StoreResult<User> PgUserStore::replace(std::int64_t id, std::string_view name,
                                       std::string_view email) {
  PgParams params;
  params.add(id).add(name).add(email);
  return one_user(kReplace, params, id);
}

StoreResult<UserPage> PgUserStore::list(int limit, std::int64_t offset) {
  PgParams params;
  params.add(std::int64_t{limit}).add(offset);
  auto rows = run(kList, params);
  if (!rows) {
    return rows.error();
  }
  const PGresult* result = rows.value().get();
  UserPage page;
  for (int row = 0; row < PQntuples(result); ++row) {
    page.total = pg_int64(result, row, 0);
    if (PQgetisnull(result, row, 1) == 0) {
      page.items.push_back(read_user(result, row, 1));
    }
  }
  return page;
}

StoreResult<Done> PgUserStore::remove(std::int64_t id) {
  PgParams params;
  params.add(id);
  auto rows = run(kRemove, params);
  if (!rows) {
    return rows.error();
  }
  if (PQntuples(rows.value().get()) == 0) {
    return not_found(id);
  }
  return Done{};
}

StoreResult<std::vector<std::int64_t>> PgUserStore::delete_expired(std::int64_t now_ms) {
  PgParams params;
  params.add(now_ms);
  auto rows = run(kDeleteExpired, params);
  if (!rows) {
    return rows.error();
  }
  std::vector<std::int64_t> ids;
  for (int row = 0; row < PQntuples(rows.value().get()); ++row) {
    ids.push_back(pg_int64(rows.value().get(), row, 0));
  }
  std::sort(ids.begin(), ids.end());  // RETURNING has no order
  return ids;
}

StoreResult<Done> PgUserStore::ping() {
  auto rows = run(kPing, PgParams{});
  if (!rows) {
    return rows.error();
  }
  return Done{};
}

}  // namespace glassbox::storage
