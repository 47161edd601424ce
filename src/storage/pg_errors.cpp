#include "storage/pg_errors.hpp"

namespace glassbox::storage {

bool ends_pg_session(std::string_view sqlstate) {
  return sqlstate.starts_with("08") ||  // connection exception
         sqlstate == "57P01" ||         // admin_shutdown
         sqlstate == "57P02" ||         // crash_shutdown
         sqlstate == "57P03";           // cannot_connect_now
}

StoreErrorKind classify_pg_error(std::string_view sqlstate, bool connection_ok) {
  if (sqlstate == "23505") {
    return StoreErrorKind::kDuplicateEmail;  // unique_violation: the e-mail index
  }
  if (!connection_ok || ends_pg_session(sqlstate) || sqlstate == "53300" ||  // too_many_connections
      sqlstate == "40001" ||  // serialization_failure: retrying succeeds
      sqlstate == "40P01" ||  // deadlock_detected: likewise
      sqlstate == "57014") {  // query_canceled (statement_timeout): overloaded
    return StoreErrorKind::kUnavailable;
  }
  return StoreErrorKind::kInternal;
}

}  // namespace glassbox::storage
