#include "http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace glassbox::http {
namespace {

Handler answer(unsigned status) {
  return [status](Request&) -> boost::asio::awaitable<Response> {
    co_return Response::json(status, "{}");
  };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router.add(Method::kGet, "/health", answer(200));
    router.add(Method::kGet, "/api/users", answer(200));
    router.add(Method::kPost, "/api/users", answer(201));
    router.add(Method::kGet, "/api/users/{id:int}", answer(200));
    router.add(Method::kPut, "/api/users/{id:int}", answer(200));
    router.add(Method::kDelete, "/api/users/{id:int}", answer(204));
    router.add(Method::kGet, "/api/users/me", answer(200));
    router.add(Method::kGet, "/compute/{n}", answer(200));
  }
  Router router;
};

TEST_F(RouterTest, MatchesLiteralRoute) {
  const RouteMatch match = router.match(Method::kGet, "/health");
  ASSERT_EQ(match.outcome, MatchOutcome::kMatched);
  EXPECT_EQ(match.route->route_template, "/health");
}

TEST_F(RouterTest, CapturesTypedIntegerParameter) {
  const RouteMatch match = router.match(Method::kGet, "/api/users/42");
  ASSERT_EQ(match.outcome, MatchOutcome::kMatched);
  EXPECT_EQ(match.route->label, "/api/users/{id}");
  EXPECT_EQ(match.params.get("id"), "42");
  EXPECT_EQ(match.params.get_int("id"), 42);
}

TEST_F(RouterTest, IntegerParameterRefusesNonDigits) {
  EXPECT_EQ(router.match(Method::kGet, "/api/users/abc").outcome, MatchOutcome::kNotFound);
  EXPECT_EQ(router.match(Method::kGet, "/api/users/-1").outcome, MatchOutcome::kNotFound);
  EXPECT_EQ(router.match(Method::kGet, "/api/users/1234567890123456789").outcome,
            MatchOutcome::kNotFound);
}

TEST_F(RouterTest, LiteralSegmentWinsOverPlaceholder) {
  router.add(Method::kGet, "/compute/fast", answer(200));
  const RouteMatch match = router.match(Method::kGet, "/compute/fast");
  ASSERT_EQ(match.outcome, MatchOutcome::kMatched);
  EXPECT_EQ(match.route->route_template, "/compute/fast");
  EXPECT_EQ(router.match(Method::kGet, "/compute/7").route->route_template, "/compute/{n}");
}

TEST_F(RouterTest, UntypedParameterTakesAnyNonEmptySegment) {
  const RouteMatch match = router.match(Method::kGet, "/compute/-3");
  ASSERT_EQ(match.outcome, MatchOutcome::kMatched);
  EXPECT_EQ(match.params.get("n"), "-3");
  EXPECT_EQ(router.match(Method::kGet, "/compute/").outcome, MatchOutcome::kNotFound);
}

TEST_F(RouterTest, KnownPathWithOtherMethodIsMethodNotAllowedWithAllow) {
  const RouteMatch match = router.match(Method::kPatch, "/api/users/7");
  EXPECT_EQ(match.outcome, MatchOutcome::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "GET, HEAD, PUT, DELETE");
  EXPECT_EQ(router.match(Method::kDelete, "/api/users").allow, "GET, HEAD, POST");
}

TEST_F(RouterTest, UnknownMethodOnKnownPathIsMethodNotAllowed) {
  EXPECT_EQ(router.match(Method::kOther, "/health").outcome, MatchOutcome::kMethodNotAllowed);
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  const RouteMatch match = router.match(Method::kHead, "/api/users");
  ASSERT_EQ(match.outcome, MatchOutcome::kMatched);
  EXPECT_EQ(match.route->method, Method::kGet);
}

TEST_F(RouterTest, UnknownPathsAreNotFound) {
  for (const char* path :
       {"/", "/nope", "/api", "/api/users/1/extra", "/health/", "//health", "health", ""}) {
    EXPECT_EQ(router.match(Method::kGet, path).outcome, MatchOutcome::kNotFound) << path;
  }
}

TEST_F(RouterTest, RouteIndexesAreDenseInRegistrationOrder) {
  ASSERT_EQ(router.route_count(), 8u);
  for (std::size_t i = 0; i < router.route_count(); ++i)
    EXPECT_EQ(router.route(i).index, i);
}

TEST(RouterRegistration, RefusesDuplicateRoute) {
  Router router;
  router.add(Method::kGet, "/a/{id}", answer(200));
  EXPECT_THROW(router.add(Method::kGet, "/a/{id}", answer(200)), std::invalid_argument);
}

TEST(RouterRegistration, RefusesMalformedTemplates) {
  Router router;
  for (const char* bad :
       {"", "no-slash", "/a/{", "/a/{}", "/a/{id:float}", "/a/x{id}", "/a/{bad-name}"}) {
    EXPECT_THROW(router.add(Method::kGet, bad, answer(200)), std::invalid_argument) << bad;
  }
}

TEST(RouterRegistration, RefusesAParameterNamedTwice) {
  Router router;
  EXPECT_THROW(router.add(Method::kGet, "/a/{n}/{n:int}", answer(200)), std::invalid_argument);
}

TEST(RouterRegistration, TakesAsManyParametersAsAHandlerCanSee) {
  Router router;
  router.add(Method::kGet, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", answer(200));
  const RouteMatch match = router.match(Method::kGet, "/1/2/3/4/5/6/7/8");
  ASSERT_EQ(match.outcome, MatchOutcome::kMatched);
  EXPECT_EQ(match.params.get("h"), "8");
  EXPECT_THROW(router.add(Method::kGet, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", answer(200)),
               std::invalid_argument);
}

}  // namespace
}  // namespace glassbox::http
