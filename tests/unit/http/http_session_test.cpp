#include "http/detail/http_session.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <string>
#include <thread>

#include "http/router.hpp"
#include "telemetry/log/logger.hpp"

namespace glassbox::http::detail {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// One session on a real loopback connection, started on its own I/O thread after the
// server has begun to stop: what happens to a connection the listener accepted just before
// the signal, when its I/O thread only gets to it afterwards.
class SessionStartedAfterStopTest : public ::testing::Test {
 protected:
  SessionStartedAfterStopTest() {
    router.add(Method::kGet, "/hello", [](Request&) -> asio::awaitable<Response> {
      co_return Response::json(200, R"({"hello":true})");
    });
    logger.emplace("test", telemetry::log::Level::kError,
                   telemetry::log::LoggerOptions{.fd = null_fd});
    environment.emplace(SessionEnvironment{.router = router,
                                           .limits = limits,
                                           .logger = *logger,
                                           .stopping = stopping,
                                           .registry = registry});
    tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client.connect(acceptor.local_endpoint());
    accepted.emplace(acceptor.accept());
  }
  ~SessionStartedAfterStopTest() override {
    logger.reset();
    ::close(null_fd);
  }

  // Starts the session with the stop already signalled and returns all the client reads
  // until the server closes the connection.
  std::string serve_after_stop() {
    stopping = true;
    asio::co_spawn(context, run_http_session(std::move(*accepted), *environment), asio::detached);
    std::thread io_thread([this] { context.run(); });
    std::string received;
    boost::system::error_code error;
    asio::read(client, asio::dynamic_buffer(received), error);
    EXPECT_EQ(error, asio::error::eof);
    client.close();  // lets the session's graceful close finish
    io_thread.join();
    return received;
  }

  Router router;
  Limits limits;
  std::atomic<bool> stopping{false};
  ConnectionRegistry registry;
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  std::optional<telemetry::log::Logger> logger;
  std::optional<SessionEnvironment> environment;
  asio::io_context context;
  tcp::socket client{context};
  std::optional<tcp::socket> accepted;
};

TEST_F(SessionStartedAfterStopTest, ServesTheRequestTheClientSentBeforeTheStop) {
  asio::write(client, asio::buffer(std::string_view("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")));
  const std::string received = serve_after_stop();
  EXPECT_TRUE(received.starts_with("HTTP/1.1 200 OK\r\n")) << received;
  EXPECT_NE(received.find("\r\nConnection: close\r\n"), std::string::npos) << received;
  EXPECT_TRUE(received.ends_with(R"({"hello":true})")) << received;
}

TEST_F(SessionStartedAfterStopTest, ClosesAConnectionWithNothingSentUnanswered) {
  EXPECT_EQ(serve_after_stop(), "");
}

}  // namespace
}  // namespace glassbox::http::detail
