#include "http/detail/request_target.hpp"

#include <gtest/gtest.h>

#include <string>

namespace glassbox::http::detail {
namespace {

TEST(SplitRequestTarget, SeparatesPathAndQuery) {
  const auto parts = split_request_target("/api/users?limit=5&offset=10");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->path, "/api/users");
  EXPECT_EQ(parts->query, "limit=5&offset=10");
}

TEST(SplitRequestTarget, AcceptsAbsoluteForm) {
  const auto parts = split_request_target("http://example.test:8080/health?x=1");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->path, "/health");
  EXPECT_EQ(parts->query, "x=1");
  EXPECT_EQ(split_request_target("http://example.test")->path, "/");
}

TEST(SplitRequestTarget, RefusesMalformedTargets) {
  for (const char* bad : {"", "*", "health", "/a%2", "/a%zz", "/a%00b", "http://host?x=1"}) {
    EXPECT_FALSE(split_request_target(bad)) << bad;
  }
}

TEST(SplitRequestTarget, AllowsValidEscapes) {
  EXPECT_TRUE(split_request_target("/api/users/%31"));
}

TEST(CheckRequestLine, LongTargetWithoutLineEndIsTooLong) {
  EXPECT_EQ(check_request_line("GET /" + std::string(9000, 'a'), 8192),
            RequestLineStatus::kTooLong);
}

TEST(CheckRequestLine, PartialShortLineIsIncomplete) {
  EXPECT_EQ(check_request_line("GET /heal", 8192), RequestLineStatus::kIncomplete);
  EXPECT_EQ(check_request_line("", 8192), RequestLineStatus::kIncomplete);
}

TEST(CheckRequestLine, ShortRequestLineWithHugeHeadersIsComplete) {
  const std::string received = "GET /health HTTP/1.1\r\nX-Big: " + std::string(20000, 'b');
  EXPECT_EQ(check_request_line(received, 8192), RequestLineStatus::kComplete);
}

TEST(CheckRequestLine, CompleteLineWithLongTargetIsTooLong) {
  const std::string received = "GET /" + std::string(8200, 'a') + " HTTP/1.1\r\nHost: x\r\n";
  EXPECT_EQ(check_request_line(received, 8192), RequestLineStatus::kTooLong);
}

TEST(CheckRequestLine, TargetExactlyAtTheLimitIsAccepted) {
  const std::string received = "GET /" + std::string(8191, 'a') + " HTTP/1.1\r\n";
  EXPECT_EQ(check_request_line(received, 8192), RequestLineStatus::kComplete);
}

TEST(CheckRequestLine, SkipsLeadingEmptyLines) {
  EXPECT_EQ(check_request_line("\r\n\r\nGET / HTTP/1.1\r\n", 8192), RequestLineStatus::kComplete);
}

}  // namespace
}  // namespace glassbox::http::detail
