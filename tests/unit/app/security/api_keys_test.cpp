#include "app/security/api_keys.hpp"

#include <gtest/gtest.h>

namespace glassbox::app {
namespace {

using Verdict = ApiKeys::Verdict;

TEST(ApiKeys, AcceptsAnyConfiguredKeyAsBearerOrHeader) {
  const ApiKeys keys({"alpha-key", "beta-key"});
  EXPECT_EQ(keys.check("Bearer alpha-key", ""), Verdict::kAccepted);
  EXPECT_EQ(keys.check("bearer beta-key", ""), Verdict::kAccepted);
  EXPECT_EQ(keys.check("", "beta-key"), Verdict::kAccepted);
}

TEST(ApiKeys, MissingCredentialsAreMissingNotWrong) {
  const ApiKeys keys({"alpha-key"});
  EXPECT_EQ(keys.check("", ""), Verdict::kMissing);
  EXPECT_EQ(keys.check("Basic YWxwaGE=", ""), Verdict::kMissing);
  EXPECT_EQ(keys.check("Bearer ", ""), Verdict::kMissing);
}

TEST(ApiKeys, WrongPrefixesAndExtensionsAreWrong) {
  const ApiKeys keys({"alpha-key"});
  EXPECT_EQ(keys.check("Bearer alpha", ""), Verdict::kWrong);
  EXPECT_EQ(keys.check("Bearer alpha-key2", ""), Verdict::kWrong);
  EXPECT_EQ(keys.check("", "ALPHA-KEY"), Verdict::kWrong);
  // A bearer token wins over X-API-Key.
  EXPECT_EQ(keys.check("Bearer wrong", "alpha-key"), Verdict::kWrong);
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secreT", "secret"));
  EXPECT_FALSE(constant_time_equal("secre", "secret"));
  EXPECT_FALSE(constant_time_equal("secrets", "secret"));
  EXPECT_FALSE(constant_time_equal(std::string_view("secret\0", 7), "secret"));
  EXPECT_FALSE(constant_time_equal("", "secret"));
}

}  // namespace
}  // namespace glassbox::app
