#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "storage/pg_errors.hpp"
#include "storage/pg_params.hpp"
#include "storage/store_result.hpp"

namespace glassbox::storage {

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// Reading a result (text format).
std::int64_t pg_int64(const PGresult* result, int row, int column);
std::optional<std::int64_t> pg_optional_int64(const PGresult* result, int row, int column);
std::string pg_text(const PGresult* result, int row, int column);

// A statement the store prepares once per connection. `name` must have static storage.
struct PgStatement {
  const char* name;
  const char* sql;
};

// One libpq connection and the statements prepared on it. Used by one thread at a time.
class PgConnection {
 public:
  // Connects, waiting at most `connect_timeout` (a refused port fails at once).
  static StoreResult<std::unique_ptr<PgConnection>> open(const std::string& url,
                                                         std::chrono::seconds connect_timeout);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() { PQfinish(connection_); }

  // False once the connection was found lost: the pool then drops it.
  bool usable() const { return !broken_ && PQstatus(connection_) == CONNECTION_OK; }

  // Runs a prepared statement, preparing it on this connection on first use.
  StoreResult<PgResult> run(const PgStatement& statement, const PgParams& params);
  // Runs SQL text: several statements when there are no parameters (migrations).
  StoreResult<PgResult> exec(const std::string& sql);
  StoreResult<PgResult> exec(const std::string& sql, const PgParams& params);

 private:
  explicit PgConnection(PGconn* connection) : connection_(connection) {}
  StoreResult<PgResult> check(PGresult* raw, std::string_view doing);

  PGconn* connection_;
  bool broken_ = false;
  std::unordered_set<std::string_view> prepared_;  // statement names
};

}  // namespace glassbox::storage
