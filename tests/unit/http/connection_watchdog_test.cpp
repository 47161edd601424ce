#include "http/detail/connection_watchdog.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace glassbox::http::detail {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

// A connected loopback pair: `server` wrapped as a session stream, `client` its peer.
class ConnectionWatchdogTest : public ::testing::Test {
 protected:
  ConnectionWatchdogTest() {
    tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client.connect(acceptor.local_endpoint());
    server.emplace(acceptor.accept());
  }

  // Starts a read on the server side; its result lands in `read_error` / `read_count`.
  void start_read() {
    server->async_read_some(asio::buffer(received),
                            [this](const boost::system::error_code& error, std::size_t count) {
                              read_error = error;
                              read_count = count;
                            });
  }

  // The client sends `text` 200 ms from now, well after the deadlines the tests arm.
  void write_later(std::string_view text) {
    later.expires_after(200ms);
    later.async_wait([this, text](const boost::system::error_code&) {
      asio::write(client, asio::buffer(text));
    });
  }

  asio::io_context context;
  asio::steady_timer later{context};
  tcp::socket client{context};
  std::optional<SessionStream> server;
  std::array<char, 16> received{};
  std::optional<boost::system::error_code> read_error;
  std::size_t read_count = 0;
};

TEST_F(ConnectionWatchdogTest, CancelsThePendingReadOnceTheDeadlinePasses) {
  ConnectionWatchdog watchdog(*server, 20ms);
  watchdog.arm(20ms);
  start_read();
  context.run();
  ASSERT_TRUE(read_error.has_value());
  EXPECT_EQ(*read_error, asio::error::operation_aborted);
  EXPECT_TRUE(watchdog.expired());
}

TEST_F(ConnectionWatchdogTest, ADisarmedDeadlineCancelsNothing) {
  ConnectionWatchdog watchdog(*server, 20ms);
  watchdog.arm(20ms);
  watchdog.disarm();
  start_read();
  write_later("ping");  // well after the disarmed deadline: the read must see its bytes
  context.run();
  ASSERT_TRUE(read_error.has_value());
  EXPECT_FALSE(*read_error) << read_error->message();
  EXPECT_EQ(read_count, 4u);
  EXPECT_FALSE(watchdog.expired());
}

TEST_F(ConnectionWatchdogTest, ReArmingPostponesTheDeadline) {
  ConnectionWatchdog watchdog(*server, 200ms);
  watchdog.arm(200ms);
  start_read();
  // Every 50 ms the deadline is pushed 200 ms ahead; after five re-arms (250 ms, past the
  // first deadline) the client writes, and the read must still be alive.
  int rearms = 0;
  asio::steady_timer tick(context);
  std::function<void()> next = [&] {
    tick.expires_after(50ms);
    tick.async_wait([&](const boost::system::error_code&) {
      if (++rearms <= 5) {
        watchdog.arm(200ms);
        next();
      } else {
        asio::write(client, asio::buffer(std::string_view("ok")));
        watchdog.disarm();  // as the session does once a request is in
      }
    });
  };
  next();
  context.run();
  ASSERT_TRUE(read_error.has_value());
  EXPECT_FALSE(*read_error) << read_error->message();
  EXPECT_FALSE(watchdog.expired());
}

TEST_F(ConnectionWatchdogTest, AShorterDeadlineAfterALongerOneIsKept) {
  // The long deadline's pending wake-up must not be later than the short one armed next:
  // the read is cancelled well before the first (10 s) deadline would have come.
  ConnectionWatchdog watchdog(*server, 50ms);
  watchdog.arm(10s);
  watchdog.arm(50ms);
  start_read();
  const auto began = std::chrono::steady_clock::now();
  context.run();
  ASSERT_TRUE(read_error.has_value());
  EXPECT_EQ(*read_error, asio::error::operation_aborted);
  EXPECT_TRUE(watchdog.expired());
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
}

TEST_F(ConnectionWatchdogTest, StoppedOrDestroyedItLeavesTheStreamAlone) {
  {
    ConnectionWatchdog watchdog(*server, 20ms);
    watchdog.arm(20ms);
  }  // destroyed with its wake-up pending
  ConnectionWatchdog stopped(*server, 20ms);
  stopped.arm(20ms);
  stopped.stop();
  stopped.arm(20ms);  // no effect once stopped
  start_read();
  write_later("late");
  context.run();
  ASSERT_TRUE(read_error.has_value());
  EXPECT_FALSE(*read_error) << read_error->message();
  EXPECT_FALSE(stopped.expired());
}

}  // namespace
}  // namespace glassbox::http::detail
