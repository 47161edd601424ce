#include "storage/migration_plan.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "storage/database.hpp"

namespace glassbox::storage {
namespace {

Migration migration(std::int64_t version, std::string name, std::string checksum) {
  return Migration{version, std::move(name), "", std::move(checksum)};
}

std::vector<std::string> names(const std::vector<Migration>& migrations) {
  std::vector<std::string> out;
  for (const auto& m : migrations) {
    out.push_back(m.name);
  }
  return out;
}

std::string startup_error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const StartupError& error) {
    return error.what();
  }
  return "(no StartupError)";
}

TEST(Sha256Hex, MatchesKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MigrationVersion, ReadsTheLeadingNumber) {
  EXPECT_EQ(migration_version("0001_create_users.sql"), 1);
  EXPECT_EQ(migration_version("0042_add_index.sql"), 42);
  EXPECT_EQ(migration_version("20240101_x.sql"), 20240101);
}

TEST(MigrationVersion, RejectsOtherNames) {
  EXPECT_FALSE(migration_version("create_users.sql"));
  EXPECT_FALSE(migration_version("0001_create_users.txt"));
  EXPECT_FALSE(migration_version("0001.sql"));
  EXPECT_FALSE(migration_version("0001_.sql"));
  EXPECT_FALSE(migration_version("0000_zero.sql"));
  EXPECT_FALSE(migration_version("00a1_x.sql"));
  EXPECT_FALSE(migration_version("99999999999999999999_overflow.sql"));
}

TEST(LoadMigrations, SortsByVersionNotByText) {
  const std::array<EmbeddedMigration, 3> files{{
      {"10_ten.sql", "SELECT 10;"},
      {"0002_two.sql", "SELECT 2;"},
      {"1_one.sql", "SELECT 1;"},
  }};
  const auto loaded = load_migrations(files);
  EXPECT_EQ(names(loaded), (std::vector<std::string>{"1_one.sql", "0002_two.sql", "10_ten.sql"}));
  EXPECT_EQ(loaded[0].checksum, sha256_hex("SELECT 1;"));
  EXPECT_EQ(loaded[0].sql, "SELECT 1;");
}

TEST(LoadMigrations, RefusesDuplicateVersions) {
  const std::array<EmbeddedMigration, 2> files{{{"0001_a.sql", ""}, {"001_b.sql", ""}}};
  const std::string message = startup_error_of([&] { load_migrations(files); });
  EXPECT_NE(message.find("0001_a.sql"), std::string::npos) << message;
  EXPECT_NE(message.find("001_b.sql"), std::string::npos) << message;
}

TEST(LoadMigrations, RefusesBadNames) {
  const std::array<EmbeddedMigration, 1> files{{{"users.sql", ""}}};
  const std::string message = startup_error_of([&] { load_migrations(files); });
  EXPECT_NE(message.find("users.sql"), std::string::npos) << message;
}

TEST(MigrationPlan, AppliesEverythingInOrderOnAnEmptyDatabase) {
  const std::vector<Migration> available{migration(1, "0001_a.sql", "aa"),
                                         migration(2, "0002_b.sql", "bb"),
                                         migration(3, "0003_c.sql", "cc")};
  const auto plan = plan_migrations(available, {});
  EXPECT_EQ(names(plan.pending),
            (std::vector<std::string>{"0001_a.sql", "0002_b.sql", "0003_c.sql"}));
  EXPECT_TRUE(plan.unknown.empty());
}

TEST(MigrationPlan, SkipsWhatIsAlreadyApplied) {
  const std::vector<Migration> available{migration(1, "0001_a.sql", "aa"),
                                         migration(2, "0002_b.sql", "bb")};
  const std::vector<AppliedMigration> applied{{1, "0001_a.sql", "aa"}};
  EXPECT_EQ(names(plan_migrations(available, applied).pending),
            (std::vector<std::string>{"0002_b.sql"}));
}

TEST(MigrationPlan, AppliesNothingWhenUpToDate) {
  const std::vector<Migration> available{migration(1, "0001_a.sql", "aa")};
  const std::vector<AppliedMigration> applied{{1, "0001_a.sql", "aa"}};
  EXPECT_TRUE(plan_migrations(available, applied).pending.empty());
}

TEST(MigrationPlan, RefusesChangedChecksum) {
  const std::vector<Migration> available{migration(1, "0001_a.sql", "new-sum"),
                                         migration(2, "0002_b.sql", "bb")};
  const std::vector<AppliedMigration> applied{{1, "0001_a.sql", "old-sum"}};
  const std::string message = startup_error_of([&] { plan_migrations(available, applied); });
  EXPECT_NE(message.find("0001_a.sql"), std::string::npos) << message;
  EXPECT_NE(message.find("changed"), std::string::npos) << message;
  EXPECT_NE(message.find("old-sum"), std::string::npos) << message;
}

TEST(MigrationPlan, RefusesAPendingMigrationOlderThanAnAppliedOne) {
  const std::vector<Migration> available{migration(1, "0001_a.sql", "aa"),
                                         migration(2, "0002_late.sql", "bb"),
                                         migration(3, "0003_c.sql", "cc")};
  const std::vector<AppliedMigration> applied{{1, "0001_a.sql", "aa"}, {3, "0003_c.sql", "cc"}};
  const std::string message = startup_error_of([&] { plan_migrations(available, applied); });
  EXPECT_NE(message.find("0002_late.sql"), std::string::npos) << message;
}

TEST(MigrationPlan, ReportsAppliedMigrationsThisBuildDoesNotKnow) {
  const std::vector<Migration> available{migration(1, "0001_a.sql", "aa")};
  const std::vector<AppliedMigration> applied{{1, "0001_a.sql", "aa"}, {2, "0002_new.sql", "bb"}};
  const auto plan = plan_migrations(available, applied);
  EXPECT_TRUE(plan.pending.empty());
  ASSERT_EQ(plan.unknown.size(), 1u);
  EXPECT_EQ(plan.unknown[0].name, "0002_new.sql");
}

TEST(EmbeddedMigrations, BothDialectsCarryTheUsersTable) {
  for (const Dialect dialect : {Dialect::kSqlite, Dialect::kPostgresql}) {
    const auto loaded = load_migrations(embedded_migrations(dialect));
    ASSERT_FALSE(loaded.empty());
    EXPECT_EQ(loaded.front().name, "0001_create_users.sql");
    EXPECT_NE(loaded.front().sql.find("CREATE TABLE users"), std::string_view::npos);
    EXPECT_NE(loaded.front().sql.find("lower(email)"), std::string_view::npos);
  }
}

}  // namespace
}  // namespace glassbox::storage
