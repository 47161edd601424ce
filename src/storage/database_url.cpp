#include "storage/database_url.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <memory>

#include "storage/database.hpp"

namespace glassbox::storage {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";
constexpr std::string_view kExpected =
    "expected sqlite://PATH, sqlite://:memory: or postgresql://user:pass@host:port/db";

[[noreturn]] void refuse(std::string_view url, std::string_view problem) {
  throw StartupError("DATABASE_URL '" + redact_url(url) + "': " + std::string(problem));
}

// The password in user:PASSWORD@host, or empty.
std::string_view userinfo_password(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return {};
  }
  const auto authority = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority);
  const auto at =
      url.rfind('@', authority_end == std::string_view::npos ? url.size() : authority_end);
  if (at == std::string_view::npos || at < authority) {
    return {};
  }
  const auto colon = url.find(':', authority);
  if (colon == std::string_view::npos || colon > at) {
    return {};
  }
  return url.substr(colon + 1, at - colon - 1);
}

// libpq takes a comma-separated list of ports, one per host; an empty entry means 5432.
bool valid_port_list(std::string_view ports) {
  while (true) {
    const auto comma = ports.find(',');
    const std::string_view port = ports.substr(0, comma);
    int value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (!port.empty() &&
        (error != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)) {
      return false;
    }
    if (comma == std::string_view::npos) {
      return true;
    }
    ports.remove_prefix(comma + 1);
  }
}

}  // namespace

bool is_postgresql_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  if (const std::string_view password = userinfo_password(url); !password.empty()) {
    out.replace(static_cast<std::size_t>(password.data() - url.data()), password.size(), "***");
  }
  // libpq also takes the password as a query parameter.
  for (auto key = out.find("password="); key != std::string::npos;
       key = out.find("password=", key + 1)) {
    const auto value = key + std::string_view("password=").size();
    const auto value_end = out.find('&', value);
    out.replace(value, (value_end == std::string::npos ? out.size() : value_end) - value, "***");
  }
  return out;
}

DatabaseTarget parse_database_url(std::string_view url) {
  if (url.empty()) {
    throw StartupError("DATABASE_URL is empty; " + std::string(kExpected));
  }
  if (url.starts_with(kSqliteScheme)) {
    const std::string path(url.substr(kSqliteScheme.size()));
    if (path.empty()) {
      refuse(url, "the SQLite path is empty (sqlite://data/glassbox.db, sqlite:///abs/path.db)");
    }
    if (path.find('\0') != std::string::npos) {
      refuse(url, "the SQLite path contains a NUL byte");
    }
    if (path.back() == '/') {
      refuse(url, "the SQLite path names a directory, not a file");
    }
    return SqliteTarget{path, path == ":memory:"};
  }
  if (is_postgresql_url(url)) {
    // libpq is the authority on its own URL syntax (percent-encoding, ?sslmode=...); asking
    // it here turns a typo into a start-up error instead of a connection that never works.
    char* error = nullptr;
    const std::string text(url);
    PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
    if (options == nullptr) {
      std::string problem = error != nullptr ? error : "libpq could not parse it (out of memory?)";
      PQfreemem(error);
      while (!problem.empty() && (problem.back() == '\n' || problem.back() == ' ')) {
        problem.pop_back();
      }
      // libpq quotes the offending part, which may be the password itself.
      if (const std::string_view password = userinfo_password(url); !password.empty()) {
        for (auto at = problem.find(password); at != std::string::npos;
             at = problem.find(password, at + 3)) {
          problem.replace(at, password.size(), "***");
        }
      }
      refuse(url, "not a valid PostgreSQL URL: " + problem);
    }
    // libpq checks ports only when connecting; a typo there is as much a start-up error.
    std::string bad_port;
    for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (option->val != nullptr && std::string_view(option->keyword) == "port" &&
          !valid_port_list(option->val)) {
        bad_port = option->val;
      }
    }
    PQconninfoFree(options);
    if (!bad_port.empty()) {
      refuse(url, "invalid port '" + bad_port + "' (expected 1-65535)");
    }
    return PostgresqlTarget{text};
  }
  refuse(url, "unsupported scheme; " + std::string(kExpected));
}

}  // namespace glassbox::storage
