#pragma once

#include <string_view>

#include "storage/store_result.hpp"

namespace glassbox::storage {

// What a failed PostgreSQL call means for the caller, from its SQLSTATE (empty when libpq
// reported the failure itself) and whether the connection is still up.
StoreErrorKind classify_pg_error(std::string_view sqlstate, bool connection_ok);

// True for the SQLSTATEs after which the server ends the session (class 08, shutdowns):
// the connection must be dropped even if libpq has not noticed the closed socket yet.
bool ends_pg_session(std::string_view sqlstate);

}  // namespace glassbox::storage
