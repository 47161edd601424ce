#include "http/detail/websocket_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <memory>
#include <string>

#include "telemetry/log/logger.hpp"

namespace glassbox::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

// A client that lets this many messages pile up is too slow to follow the events; it is
// disconnected rather than allowed to hold memory without bound.
constexpr std::size_t kMaxQueuedMessages = 1024;
constexpr std::size_t kMaxIncomingMessageBytes = 64 * 1024;

class WebSocketSession final : public WebSocketPeer,
                               public Connection,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(beast::tcp_stream stream, SessionEnvironment& environment)
      : ws_(std::move(stream)), executor_(ws_.get_executor()), environment_(environment) {}

  void send_text(std::string message) override {
    asio::post(executor_, [self = shared_from_this(), message = std::move(message)]() mutable {
      self->enqueue(std::move(message));
    });
  }
  void close() override {
    asio::post(executor_, [self = shared_from_this()] { self->begin_close(); });
  }
  void on_server_stopping() override { begin_close(); }

  asio::awaitable<void> run(beast::http::request<beast::http::string_body> upgrade_request,
                            const WebSocketHandler& handler);

 private:
  void enqueue(std::string message);
  void begin_close();
  asio::awaitable<void> drain();

  websocket::stream<beast::tcp_stream> ws_;
  asio::any_io_executor executor_;
  SessionEnvironment& environment_;
  ConnectionRegistry::Handle registration_;
  std::deque<std::string> outgoing_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
};

void WebSocketSession::enqueue(std::string message) {
  if (!open_ || closing_)
    return;
  if (outgoing_.size() >= kMaxQueuedMessages) {
    environment_.logger.write(telemetry::log::Level::kWarn, "http.websocket",
                              "Closing a WebSocket client that does not keep up");
    begin_close();
    return;
  }
  outgoing_.push_back(std::move(message));
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(
        executor_, [self = shared_from_this()] { return self->drain(); }, asio::detached);
  }
}

void WebSocketSession::begin_close() {
  if (!open_ || closing_)
    return;
  closing_ = true;
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(
        executor_, [self = shared_from_this()] { return self->drain(); }, asio::detached);
  }
}

// The only writer: sends queued messages in order, then the close frame when asked to.
// Beast allows one write at a time, so every write goes through here.
asio::awaitable<void> WebSocketSession::drain() {
  while (!outgoing_.empty() && !closing_) {
    ws_.text(true);
    auto [error, written] = co_await ws_.async_write(asio::buffer(outgoing_.front()), kAsTuple);
    if (error) {
      outgoing_.clear();
      closing_ = true;
      writing_ = false;
      co_return;
    }
    outgoing_.pop_front();
  }
  if (closing_ && ws_.is_open()) {
    auto [error] = co_await ws_.async_close(websocket::close_code::going_away, kAsTuple);
    (void)error;  // the read loop ends either way
  }
  writing_ = false;
}

asio::awaitable<void> WebSocketSession::run(
    beast::http::request<beast::http::string_body> upgrade_request,
    const WebSocketHandler& handler) {
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(beast::http::field::server, "glassbox");
  }));
  ws_.read_message_max(kMaxIncomingMessageBytes);
  // Registered only while run() runs, on this I/O thread: the app may drop its last
  // reference to the peer from another thread, so the destructor must not touch the
  // registry.
  registration_ = environment_.registry.add(this);
  auto [accept_error] = co_await ws_.async_accept(upgrade_request, kAsTuple);
  if (accept_error) {
    environment_.registry.remove(registration_);
    co_return;
  }

  open_ = true;
  const std::shared_ptr<WebSocketPeer> self = shared_from_this();
  handler.on_open(self);
  beast::flat_buffer buffer;
  while (true) {
    auto [error, count] = co_await ws_.async_read(buffer, kAsTuple);
    if (error)
      break;  // closed by the client, by us, a timeout, or a protocol error
    if (ws_.got_text() && handler.on_text) {
      const std::string text = beast::buffers_to_string(buffer.data());
      handler.on_text(*this, text);
    }
    buffer.consume(buffer.size());
  }
  open_ = false;
  environment_.registry.remove(registration_);
  if (handler.on_close)
    handler.on_close(*this);
}

}  // namespace

asio::awaitable<void> run_websocket_session(
    beast::tcp_stream stream, beast::http::request<beast::http::string_body> upgrade_request,
    const WebSocketHandler& handler, SessionEnvironment& environment) {
  auto session = std::make_shared<WebSocketSession>(std::move(stream), environment);
  co_await session->run(std::move(upgrade_request), handler);
}

}  // namespace glassbox::http::detail
