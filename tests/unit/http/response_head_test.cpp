#include "http/detail/response_head.hpp"

#include <gtest/gtest.h>

#include "http/error.hpp"

namespace glassbox::http::detail {
namespace {

TEST(ResponseHead, WritesStatusLineLengthAndType) {
  std::string head;
  write_response_head(head, Response::json(200, R"({"status":"ok"})"), {});
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_NE(head.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Length: 15\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nDate: "), std::string::npos);
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
  EXPECT_EQ(head.find("Connection:"), std::string::npos);
}

TEST(ResponseHead, CloseAndExtraHeaders) {
  Response response = error_response(ErrorCode::kMethodNotAllowed, "no");
  response.headers.emplace_back("Allow", "GET, HEAD");
  std::string head;
  write_response_head(head, response, {.keep_alive = false});
  EXPECT_TRUE(head.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
  EXPECT_NE(head.find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos);
}

TEST(ResponseHead, NoContentHasNoLength) {
  Response response;
  response.status = 204;
  std::string head;
  write_response_head(head, response, {});
  EXPECT_TRUE(head.starts_with("HTTP/1.1 204 No Content\r\n"));
  EXPECT_EQ(head.find("Content-Length"), std::string::npos);
}

TEST(ResponseHead, Http10KeepAliveIsExplicit) {
  std::string head;
  write_response_head(head, Response::json(200, "{}"), {.keep_alive = true, .http10 = true});
  EXPECT_TRUE(head.starts_with("HTTP/1.0 200 OK\r\n"));
  EXPECT_NE(head.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
}

TEST(ErrorResponse, HasContractShapeAndEscapesMessage) {
  const Response response = error_response(ErrorCode::kValidationFailed, "name: \"x\"\n");
  EXPECT_EQ(response.status, 422u);
  EXPECT_EQ(response.body, R"({"error":{"code":"validation_failed","message":"name: \"x\"\n"}})");
}

}  // namespace
}  // namespace glassbox::http::detail
