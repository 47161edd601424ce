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

TEST(CheckRequestLine, RefusesAnOverlongLineWhetherOrNotItHasEnded) {
  const std::string method(8192 + 64 + 1 - 12, 'M');  // with " /x HTTP/1.1": 1 byte too many
  const std::string line = method + " /x HTTP/1.1";
  ASSERT_EQ(line.size(), 8192u + 64 + 1);
  EXPECT_EQ(check_request_line(line + "\r\n", 8192), RequestLineStatus::kTooLong);
  EXPECT_EQ(check_request_line(line, 8192), RequestLineStatus::kIncomplete);  // may end next
  EXPECT_EQ(check_request_line(line + "1", 8192), RequestLineStatus::kTooLong);
  EXPECT_EQ(check_request_line(line.substr(1) + "\r\n", 8192), RequestLineStatus::kComplete);
}

TEST(CheckRequestLine, SkipsLeadingEmptyLines) {
  EXPECT_EQ(check_request_line("\r\n\r\nGET / HTTP/1.1\r\n", 8192), RequestLineStatus::kComplete);
}

RequestHeadStatus head_status(std::string_view received, std::size_t limit) {
  return check_request_head(received, limit).status;
}

TEST(CheckRequestHead, IsCompleteAtTheEmptyLineThatEndsTheHead) {
  const auto head = check_request_head("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody", 16384);
  EXPECT_EQ(head.status, RequestHeadStatus::kComplete);
  EXPECT_EQ(head.length, 27u);  // the body is not the head's
  EXPECT_EQ(head_status("GET / HTTP/1.1\r\nHost: x\r\n", 16384), RequestHeadStatus::kIncomplete);
  EXPECT_EQ(head_status("GET / HTTP/1.1\r\nHost: x\r\n\r", 16384), RequestHeadStatus::kIncomplete);
}

TEST(CheckRequestHead, EndsAtABareLineFeedSoThatTheParserRefusesIt) {
  const auto head = check_request_head("GET / HTTP/1.1\nHost: x\n\nrest", 16384);
  EXPECT_EQ(head.status, RequestHeadStatus::kComplete);
  EXPECT_EQ(head.length, 24u);
}

TEST(CheckRequestHead, CountsTheWholeHeadAgainstTheLimit) {
  const std::string head = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n";
  EXPECT_EQ(head_status(head, head.size()), RequestHeadStatus::kComplete);
  EXPECT_EQ(head_status(head, head.size() - 1), RequestHeadStatus::kTooLarge);
  // However it arrives: without its end yet, and already at the limit.
  EXPECT_EQ(head_status(head.substr(0, 60), 60), RequestHeadStatus::kTooLarge);
  EXPECT_EQ(head_status(head.substr(0, 59), 60), RequestHeadStatus::kIncomplete);
}

TEST(LeadingEmptyLines, CountsOnlyWholeEmptyLinesBeforeTheRequestLine) {
  EXPECT_EQ(leading_empty_lines("GET / HTTP/1.1\r\n"), 0u);
  EXPECT_EQ(leading_empty_lines("\r\nGET / HTTP/1.1\r\n"), 2u);
  EXPECT_EQ(leading_empty_lines("\r\n\r\n\r"), 4u);  // a half-received third line stays
  EXPECT_EQ(leading_empty_lines("\n\r\nGET"), 0u);   // a bare LF is not an empty line
  EXPECT_EQ(leading_empty_lines(""), 0u);
}

}  // namespace
}  // namespace glassbox::http::detail
