#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/database.hpp"

namespace glassbox::storage {
namespace {

class SqliteMigrations : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "glassbox-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    file_ = dir_ / "db" / "glassbox.db";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Opens the store on the file and returns the start-up events it reported.
  std::vector<std::string> open_and_collect_events() {
    std::vector<std::string> events;
    DatabaseOptions options;
    options.url = "sqlite://" + file_.string();
    options.on_event = [&](std::string_view event) { events.emplace_back(event); };
    open_database(options);
    return events;
  }

  // Runs SQL on the file directly, as an operator with the sqlite3 shell would.
  std::string query_text(const char* sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    std::string out;
    sqlite3_exec(
        db, sql,
        [](void* target, int columns, char** values, char**) {
          auto* text = static_cast<std::string*>(target);
          for (int i = 0; i < columns; ++i) {
            *text += values[i] != nullptr ? values[i] : "NULL";
            *text += '|';
          }
          return 0;
        },
        &out, nullptr);
    sqlite3_close(db);
    return out;
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;
};

TEST_F(SqliteMigrations, AppliesEachMigrationOnceAcrossRestarts) {
  const auto first = open_and_collect_events();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], "applied migration 0001_create_users.sql");

  EXPECT_TRUE(open_and_collect_events().empty());
  EXPECT_EQ(query_text("SELECT count(*) FROM schema_migrations"), "1|");
  EXPECT_EQ(query_text("SELECT version, name, length(checksum) FROM schema_migrations"),
            "1|0001_create_users.sql|64|");
}

TEST_F(SqliteMigrations, UsesWriteAheadLogging) {
  open_and_collect_events();
  EXPECT_EQ(query_text("PRAGMA journal_mode"), "wal|");
}

TEST_F(SqliteMigrations, RefusesToStartWhenAnAppliedMigrationChanged) {
  open_and_collect_events();
  query_text("UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1");
  try {
    open_and_collect_events();
    FAIL() << "expected a StartupError";
  } catch (const StartupError& error) {
    EXPECT_NE(std::string(error.what()).find("0001_create_users.sql"), std::string::npos)
        << error.what();
  }
}

TEST_F(SqliteMigrations, KeepsDataAcrossRestarts) {
  {
    DatabaseOptions options;
    options.url = "sqlite://" + file_.string();
    auto store = open_database(options);
    ASSERT_TRUE(store->insert(NewUser{"A", "a@x.org", 1, std::nullopt}));
  }
  DatabaseOptions options;
  options.url = "sqlite://" + file_.string();
  EXPECT_EQ(open_database(options)->list(10, 0).value().total, 1);
}

TEST_F(SqliteMigrations, ReportsAnUnwritableLocation) {
  // A plain file where the database's directory should be.
  const auto blocker = dir_ / "file";
  std::FILE* file = std::fopen(blocker.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fclose(file);
  DatabaseOptions options;
  options.url = "sqlite://" + (blocker / "sub" / "x.db").string();
  try {
    open_database(options);
    FAIL() << "expected a StartupError";
  } catch (const StartupError& error) {
    EXPECT_NE(std::string(error.what()).find("DATABASE_URL"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace glassbox::storage
