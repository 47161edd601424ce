#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace glassbox::storage {

struct SqliteTarget {
  std::string path;  // a file path, or ":memory:"
  bool in_memory = false;
};

struct PostgresqlTarget {
  std::string url;  // handed to libpq as is (it already checked it parses)
};

using DatabaseTarget = std::variant<SqliteTarget, PostgresqlTarget>;

// Reads DATABASE_URL. Throws StartupError naming DATABASE_URL and what is wrong; the
// message never contains the password.
DatabaseTarget parse_database_url(std::string_view url);

// The URL with its password (user:PASSWORD@ or ?password=) replaced by "***", for messages.
std::string redact_url(std::string_view url);

}  // namespace glassbox::storage
