#include "storage/database_url.hpp"

#include <gtest/gtest.h>

#include <string>

#include "storage/database.hpp"

namespace glassbox::storage {
namespace {

std::string refusal(std::string_view url) {
  try {
    parse_database_url(url);
  } catch (const StartupError& error) {
    return error.what();
  }
  return "(accepted)";
}

TEST(DatabaseUrl, ReadsARelativeSqlitePath) {
  const auto target = std::get<SqliteTarget>(parse_database_url("sqlite://data/glassbox.db"));
  EXPECT_EQ(target.path, "data/glassbox.db");
  EXPECT_FALSE(target.in_memory);
}

TEST(DatabaseUrl, ReadsAnAbsoluteSqlitePath) {
  EXPECT_EQ(std::get<SqliteTarget>(parse_database_url("sqlite:///var/lib/g.db")).path,
            "/var/lib/g.db");
}

TEST(DatabaseUrl, RecognisesSqliteMemory) {
  const auto target = std::get<SqliteTarget>(parse_database_url("sqlite://:memory:"));
  EXPECT_TRUE(target.in_memory);
}

TEST(DatabaseUrl, AcceptsBothPostgresqlSchemes) {
  for (const char* url : {"postgresql://u:p@localhost:5432/db", "postgres://u@db.example/app",
                          "postgresql://u:p@127.0.0.1:5432/db?sslmode=disable"}) {
    EXPECT_EQ(std::get<PostgresqlTarget>(parse_database_url(url)).url, url);
    EXPECT_TRUE(is_postgresql_url(url));
  }
  EXPECT_FALSE(is_postgresql_url("sqlite://x.db"));
  EXPECT_FALSE(is_postgresql_url("postgresqlx://h/db"));
}

TEST(DatabaseUrl, RefusesAnEmptyUrl) {
  EXPECT_NE(refusal("").find("DATABASE_URL"), std::string::npos);
}

TEST(DatabaseUrl, RefusesAnUnknownSchemeNamingTheSetting) {
  const std::string message = refusal("mysql://root:hunter2@db/app");
  EXPECT_NE(message.find("DATABASE_URL"), std::string::npos) << message;
  EXPECT_NE(message.find("unsupported scheme"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
}

TEST(DatabaseUrl, RefusesAnEmptySqlitePath) {
  const std::string message = refusal("sqlite://");
  EXPECT_NE(message.find("DATABASE_URL"), std::string::npos) << message;
  EXPECT_NE(message.find("empty"), std::string::npos) << message;
}

TEST(DatabaseUrl, RefusesASqliteDirectory) {
  EXPECT_NE(refusal("sqlite://data/").find("directory"), std::string::npos);
}

TEST(DatabaseUrl, RefusesABadPostgresqlPortWithoutShowingThePassword) {
  const std::string message = refusal("postgresql://u:s3cret@localhost:notaport/db");
  EXPECT_NE(message.find("DATABASE_URL"), std::string::npos) << message;
  EXPECT_NE(message.find("invalid port 'notaport'"), std::string::npos) << message;
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
  EXPECT_NE(refusal("postgresql://h:70000/db").find("invalid port"), std::string::npos);
  EXPECT_EQ(refusal("postgresql://h1:5432,h2:5433/db"), "(accepted)");
}

TEST(DatabaseUrl, RefusesAMalformedPostgresqlUrlWithoutShowingThePassword) {
  const std::string message = refusal("postgresql://u:%zzsecret@localhost/db");
  EXPECT_NE(message.find("DATABASE_URL"), std::string::npos) << message;
  EXPECT_NE(message.find("not a valid PostgreSQL URL"), std::string::npos) << message;
  EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  EXPECT_NE(refusal("postgresql://h/db?nosuchoption=1").find("nosuchoption"), std::string::npos);
}

TEST(RedactUrl, HidesPasswords) {
  EXPECT_EQ(redact_url("postgresql://u:pw@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(redact_url("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(redact_url("postgresql://h/db?user=u&password=pw&sslmode=require"),
            "postgresql://h/db?user=u&password=***&sslmode=require");
  EXPECT_EQ(redact_url("sqlite://data/a@b.db"), "sqlite://data/a@b.db");
}

TEST(OpenDatabase, RefusesABadUrlBeforeTouchingAnything) {
  DatabaseOptions options;
  options.url = "redis://localhost";
  EXPECT_THROW(open_database(options), StartupError);
}

TEST(OpenDatabase, RefusesAnEmptyPool) {
  DatabaseOptions options;
  options.url = "sqlite://:memory:";
  options.pool_size = 0;
  EXPECT_THROW(open_database(options), StartupError);
}

}  // namespace
}  // namespace glassbox::storage
