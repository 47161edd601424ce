#include <gtest/gtest.h>

#include "storage/pg_errors.hpp"
#include "storage/pg_params.hpp"

namespace glassbox::storage {
namespace {

TEST(PostgresqlErrors, UniqueViolationIsADuplicateEmail) {
  EXPECT_EQ(classify_pg_error("23505", true), StoreErrorKind::kDuplicateEmail);
}

TEST(PostgresqlErrors, ALostConnectionIsUnavailable) {
  EXPECT_EQ(classify_pg_error("", false), StoreErrorKind::kUnavailable);
  EXPECT_EQ(classify_pg_error("57P01", true), StoreErrorKind::kUnavailable);
  EXPECT_EQ(classify_pg_error("08006", true), StoreErrorKind::kUnavailable);
  EXPECT_TRUE(ends_pg_session("57P01"));
  EXPECT_TRUE(ends_pg_session("08003"));
}

TEST(PostgresqlErrors, RetryableConflictsAreUnavailable) {
  EXPECT_EQ(classify_pg_error("40001", true), StoreErrorKind::kUnavailable);
  EXPECT_EQ(classify_pg_error("53300", true), StoreErrorKind::kUnavailable);
  EXPECT_FALSE(ends_pg_session("40001"));
}

TEST(PostgresqlErrors, OtherErrorsAreInternal) {
  EXPECT_EQ(classify_pg_error("42P01", true), StoreErrorKind::kInternal);  // undefined_table
  EXPECT_EQ(classify_pg_error("", true), StoreErrorKind::kInternal);
}

TEST(PostgresqlParams, SendsNullForAMissingValue) {
  PgParams params;
  params.add(std::int64_t{42}).add(std::string_view("x")).add(std::optional<std::int64_t>{});
  const auto pointers = params.pointers();
  ASSERT_EQ(params.size(), 3);
  EXPECT_STREQ(pointers[0], "42");
  EXPECT_STREQ(pointers[1], "x");
  EXPECT_EQ(pointers[2], nullptr);
}

}  // namespace
}  // namespace glassbox::storage
