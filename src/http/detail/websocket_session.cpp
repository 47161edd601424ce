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
#include <mutex>
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
  WebSocketSession(SessionStream stream, SessionEnvironment& environment)
      : ws_(std::move(stream)), executor_(ws_.get_executor()), environment_(environment) {}

  // Messages are queued here, under the lock, in the order callers hand them over; only
  // the writer's wake-up is posted. (Posting each message instead would not keep their
  // order: an event loop runs work posted from its own thread and from other threads
  // from different queues.)
  void send_text(std::string message) override {
    {
      const std::lock_guard lock(mutex_);
      if (!open_ || close_requested_) return;
      if (outgoing_.size() >= kMaxQueuedMessages) {
        overflowed_ = true;
        close_requested_ = true;
      } else {
        outgoing_.push_back(std::move(message));
      }
      if (writer_scheduled_) return;
      writer_scheduled_ = true;
    }
    schedule_writer();
  }
  void close() override { request_close(); }
  void on_server_stopping() override { request_close(); }

  asio::awaitable<void> run(beast::http::request<beast::http::string_body> upgrade_request,
                            const WebSocketHandler& handler);

 private:
  void request_close() {
    {
      const std::lock_guard lock(mutex_);
      if (!open_ || close_requested_) return;
      close_requested_ = true;
      if (writer_scheduled_) return;
      writer_scheduled_ = true;
    }
    schedule_writer();
  }
  void schedule_writer() {
    asio::co_spawn(
        executor_, [self = shared_from_this()] { return self->write_queued(); }, asio::detached);
  }
  asio::awaitable<void> write_queued();

  websocket::stream<SessionStream> ws_;
  asio::any_io_executor executor_;
  SessionEnvironment& environment_;
  ConnectionRegistry::Handle registration_;

  std::mutex mutex_;  // guards the members below, touched from any thread
  std::deque<std::string> outgoing_;
  bool open_ = false;
  bool close_requested_ = false;
  bool overflowed_ = false;
  bool writer_scheduled_ = false;  // a write_queued() is running or about to
};

// The only writer: sends queued messages in order, then the close frame when asked to.
// Beast allows one write at a time, so every write goes through here.
asio::awaitable<void> WebSocketSession::write_queued() {
  while (true) {
    std::string message;
    bool close_now = false;
    {
      const std::lock_guard lock(mutex_);
      if (close_requested_) {
        close_now = true;
        outgoing_.clear();
      } else if (outgoing_.empty()) {
        writer_scheduled_ = false;
        co_return;
      } else {
        message = std::move(outgoing_.front());
        outgoing_.pop_front();
      }
    }
    if (close_now) {
      bool overflowed = false;
      {
        const std::lock_guard lock(mutex_);
        overflowed = overflowed_;
      }
      if (overflowed) {
        environment_.logger.write(telemetry::log::Level::kWarn, "http.websocket",
                                  "Closing a WebSocket client that does not keep up");
      }
      auto [error] = co_await ws_.async_close(websocket::close_code::going_away, kAsTuple);
      (void)error;  // the read loop ends either way
      co_return;    // writer_scheduled_ stays set: nothing more will be written
    }
    ws_.text(true);
    auto [error, written] = co_await ws_.async_write(asio::buffer(message), kAsTuple);
    if (error) {
      const std::lock_guard lock(mutex_);
      outgoing_.clear();
      close_requested_ = true;  // the connection is broken; accept nothing more
      co_return;
    }
  }
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

  {
    const std::lock_guard lock(mutex_);
    open_ = true;
  }
  const std::shared_ptr<WebSocketPeer> self = shared_from_this();
  handler.on_open(self);
  beast::flat_buffer buffer;
  while (true) {
    auto [error, count] = co_await ws_.async_read(buffer, kAsTuple);
    if (error) break;  // closed by the client, by us, a timeout, or a protocol error
    if (ws_.got_text() && handler.on_text) {
      const std::string text = beast::buffers_to_string(buffer.data());
      handler.on_text(*this, text);
    }
    buffer.consume(buffer.size());
  }
  {
    const std::lock_guard lock(mutex_);
    open_ = false;
  }
  environment_.registry.remove(registration_);
  if (handler.on_close) handler.on_close(*this);
}

}  // namespace

asio::awaitable<void> run_websocket_session(
    SessionStream stream, beast::http::request<beast::http::string_body> upgrade_request,
    const WebSocketHandler& handler, SessionEnvironment& environment) {
  auto session = std::make_shared<WebSocketSession>(std::move(stream), environment);
  co_await session->run(std::move(upgrade_request), handler);
}

}  // namespace glassbox::http::detail
