#include "http/detail/dispatch.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "telemetry/log/logger.hpp"

namespace glassbox::http::detail {
namespace {

// A parsed request and the handler's view of it.
struct Parsed {
  explicit Parsed(std::string_view head) {
    apply_limits(parser, Limits{});
    EXPECT_FALSE(parse_head(parser, head));
    request = make_request(parser.get(), headers);
  }
  RequestParser parser;
  BeastHeaderLookup headers{parser.get().base()};
  Request request;
};

class RouteRequestTest : public ::testing::Test {
 protected:
  RouteRequestTest() {
    router.add(
        Method::kGet, "/api/users/{id:int}",
        [](Request&) -> boost::asio::awaitable<Response> { co_return Response::json(200, "{}"); });
    WebSocketHandler events;
    events.on_open = [](const std::shared_ptr<WebSocketPeer>&) {};
    router.add_websocket("/ws/events", std::move(events));
  }
  Router router;
};

TEST_F(RouteRequestTest, MatchesAndFillsPathQueryAndParameters) {
  Parsed parsed("GET /api/users/7?x=1 HTTP/1.1\r\nUser-Agent: test\r\n\r\n");
  const Routing routing = route_request(router, parsed.parser.get(), parsed.request);
  ASSERT_NE(routing.route, nullptr);
  EXPECT_FALSE(routing.answer);
  EXPECT_EQ(parsed.request.path, "/api/users/7");
  EXPECT_EQ(parsed.request.query, "x=1");
  EXPECT_EQ(parsed.request.params.get_int("id"), 7);
  EXPECT_EQ(parsed.request.header("user-agent"), "test");
}

TEST_F(RouteRequestTest, AnswersWithoutAHandler) {
  Parsed bad_target("GET /api/users/%zz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(route_request(router, bad_target.parser.get(), bad_target.request).answer->status,
            400u);
  Parsed unknown("GET /nothing HTTP/1.1\r\n\r\n");
  EXPECT_EQ(route_request(router, unknown.parser.get(), unknown.request).answer->status, 404u);
  Parsed wrong_method("DELETE /api/users/7 HTTP/1.1\r\n\r\n");
  const Routing refused = route_request(router, wrong_method.parser.get(), wrong_method.request);
  EXPECT_EQ(refused.route, nullptr);
  ASSERT_TRUE(refused.answer);
  EXPECT_EQ(refused.answer->status, 405u);
  ASSERT_EQ(refused.answer->headers.size(), 1u);
  EXPECT_EQ(refused.answer->headers[0].second, "GET, HEAD");
}

TEST_F(RouteRequestTest, AWebSocketRouteNeedsAnUpgrade) {
  Parsed plain("GET /ws/events HTTP/1.1\r\n\r\n");
  const Routing refused = route_request(router, plain.parser.get(), plain.request);
  EXPECT_NE(refused.route, nullptr);
  EXPECT_EQ(refused.answer->status, 400u);

  Parsed upgrade(
      "GET /ws/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  const Routing handed_over = route_request(router, upgrade.parser.get(), upgrade.request);
  EXPECT_NE(handed_over.route, nullptr);
  EXPECT_FALSE(handed_over.answer);
}

TEST(RunHandler, AnExceptionBecomesA500WithoutItsDetail) {
  Router router;
  const Route& route =
      router.add(Method::kGet, "/boom", [](Request&) -> boost::asio::awaitable<Response> {
        throw std::runtime_error("secret detail");
        co_return Response{};
      });
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  std::optional<telemetry::log::Logger> logger;
  logger.emplace("test", telemetry::log::Level::kError,
                 telemetry::log::LoggerOptions{.fd = null_fd});
  boost::asio::io_context io;
  Request request;
  std::optional<Response> answer;
  boost::asio::co_spawn(
      io, run_handler(route, request, *logger),
      [&](std::exception_ptr, Response response) { answer = std::move(response); });
  io.run();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 500u);
  EXPECT_EQ(answer->body.find("secret"), std::string::npos);
  logger.reset();
  ::close(null_fd);
}

}  // namespace
}  // namespace glassbox::http::detail
