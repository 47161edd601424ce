#include "storage/pg_connection.hpp"

#include <algorithm>
#include <charconv>

#include "storage/database_url.hpp"

namespace glassbox::storage {
namespace {

// libpq messages span lines ("...failed: Connection refused\n\tIs the server running...");
// one line reads better in a log record.
std::string one_line(const char* text) {
  std::string out;
  bool space = false;
  for (const char* c = text != nullptr ? text : ""; *c != '\0'; ++c) {
    if (*c == '\n' || *c == '\t' || *c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    out.push_back(*c);
  }
  return out;
}

// libpq prints NOTICEs (e.g. "relation already exists, skipping") on stderr by default,
// which would interleave with the service's JSON log lines.
void ignore_notice(void* /*argument*/, const char* /*message*/) {}

}  // namespace

std::int64_t pg_int64(const PGresult* result, int row, int column) {
  const char* text = PQgetvalue(result, row, column);
  const char* end = text + PQgetlength(result, row, column);
  std::int64_t value = 0;
  std::from_chars(text, end, value);
  return value;
}

std::optional<std::int64_t> pg_optional_int64(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column) != 0) {
    return std::nullopt;
  }
  return pg_int64(result, row, column);
}

std::string pg_text(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column),
                     static_cast<std::size_t>(PQgetlength(result, row, column)));
}

StoreResult<std::unique_ptr<PgConnection>> PgConnection::open(
    const std::string& url, std::chrono::seconds connect_timeout) {
  // Keywords before "dbname" are defaults: parameters in the URL itself override them.
  const std::string timeout = std::to_string(std::max<long long>(connect_timeout.count(), 1));
  // tcp_user_timeout: a server host that vanished (no RST, nothing acknowledged) fails the
  // call after 10 s instead of after minutes of TCP retransmissions.
  const char* const keywords[] = {"connect_timeout", "tcp_user_timeout", "application_name",
                                  "dbname", nullptr};
  const char* const values[] = {timeout.c_str(), "10000", "glassbox", url.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (raw == nullptr) {
    return StoreError{StoreErrorKind::kUnavailable, "libpq could not allocate a connection"};
  }
  std::unique_ptr<PgConnection> connection(new PgConnection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    return StoreError{StoreErrorKind::kUnavailable,
                      "connecting to " + redact_url(url) + ": " + one_line(PQerrorMessage(raw))};
  }
  PQsetNoticeProcessor(raw, ignore_notice, nullptr);
  return connection;
}

StoreResult<PgResult> PgConnection::check(PGresult* raw, std::string_view doing) {
  PgResult result(raw);
  const ExecStatusType status =
      result != nullptr ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
    return result;
  }
  const char* sqlstate =
      result != nullptr ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view state = sqlstate != nullptr ? sqlstate : "";
  const bool connection_ok = PQstatus(connection_) == CONNECTION_OK;
  if (!connection_ok || ends_pg_session(state)) {
    broken_ = true;
  }
  std::string detail(doing);
  detail += ": ";
  detail += one_line(result != nullptr ? PQresultErrorMessage(result.get())
                                       : PQerrorMessage(connection_));
  return StoreError{classify_pg_error(state, connection_ok), std::move(detail)};
}

StoreResult<PgResult> PgConnection::run(const PgStatement& statement, const PgParams& params) {
  if (!prepared_.contains(statement.name)) {
    auto prepared =
        check(PQprepare(connection_, statement.name, statement.sql, 0, nullptr), statement.name);
    if (!prepared) {
      return prepared.error();
    }
    prepared_.insert(statement.name);
  }
  const std::vector<const char*> values = params.pointers();
  return check(PQexecPrepared(connection_, statement.name, params.size(), values.data(), nullptr,
                              nullptr, 0),
               statement.name);
}

StoreResult<PgResult> PgConnection::exec(const std::string& sql) {
  return check(PQexec(connection_, sql.c_str()), "executing SQL");
}

StoreResult<PgResult> PgConnection::exec(const std::string& sql, const PgParams& params) {
  const std::vector<const char*> values = params.pointers();
  return check(PQexecParams(connection_, sql.c_str(), params.size(), nullptr, values.data(),
                            nullptr, nullptr, 0),
               "executing SQL");
}

}  // namespace glassbox::storage
