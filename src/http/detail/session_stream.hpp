#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace glassbox::http::detail {

// One connection's byte stream: plain TCP, or TLS over TCP, chosen when the connection is
// accepted. The session, the WebSocket session and graceful_close use it as an Asio
// AsyncStream; each read or write costs one predictable branch on top of the chosen stream
// (the alternative, templating the sessions on the stream type, would compile every session
// twice and put their bodies in headers). Timeouts and the socket are the TCP layer's in
// both cases.
//
// Not thread-safe: used from its connection's I/O thread only, like the streams it wraps.
class SessionStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  explicit SessionStream(boost::asio::ip::tcp::socket socket) : plain_(std::move(socket)) {}
  // The TLS handshake is still to be done (handshake()).
  SessionStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls)
      : tls_(std::in_place, std::move(socket), tls) {}

  bool is_tls() const { return tls_.has_value(); }
  TlsStream& tls() { return *tls_; }
  boost::beast::tcp_stream& tcp() { return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_; }
  boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }
  executor_type get_executor() { return tcp().get_executor(); }
  template <typename Duration>
  void expires_after(Duration timeout) {
    tcp().expires_after(timeout);
  }
  void expires_never() { tcp().expires_never(); }
  void cancel() { tcp().cancel(); }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& to) {
          if (tls_) {
            tls_->async_read_some(to, std::move(handler));
          } else {
            plain_->async_read_some(to, std::move(handler));
          }
        },
        token, buffers);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& from) {
          if (tls_ && starts_with_empty_buffer(from)) {
            // Beast's TLS stream sizes a write by the sequence's first buffer and so writes
            // nothing when it is empty, which asio::async_write takes for the end: after a
            // response head went out alone, the body was never sent (any HTTPS response
            // over 16 KiB). The rare write that starts empty goes without its empty buffers.
            std::vector<boost::asio::const_buffer> non_empty;
            for (auto it = boost::asio::buffer_sequence_begin(from);
                 it != boost::asio::buffer_sequence_end(from); ++it) {
              const boost::asio::const_buffer buffer(*it);
              if (buffer.size() > 0) non_empty.push_back(buffer);
            }
            tls_->async_write_some(non_empty, std::move(handler));
          } else if (tls_) {
            tls_->async_write_some(from, std::move(handler));
          } else {
            plain_->async_write_some(from, std::move(handler));
          }
        },
        token, buffers);
  }

  // Hooks Beast's WebSocket stream finds by argument-dependent lookup: closing the
  // connection after a close frame (TLS: close_notify first), and closing it at once.
  template <typename Handler>
  friend void async_teardown(boost::beast::role_type role, SessionStream& stream,
                             Handler&& handler) {
    if (stream.tls_) {
      boost::beast::async_teardown(role, *stream.tls_, std::forward<Handler>(handler));
    } else {
      boost::beast::websocket::async_teardown(role, stream.plain_->socket(),
                                              std::forward<Handler>(handler));
    }
  }
  friend void teardown(boost::beast::role_type role, SessionStream& stream,
                       boost::beast::error_code& error) {
    if (stream.tls_) {
      boost::beast::teardown(role, *stream.tls_, error);
    } else {
      boost::beast::websocket::teardown(role, stream.plain_->socket(), error);
    }
  }
  friend void beast_close_socket(SessionStream& stream) { stream.tcp().close(); }

 private:
  template <typename ConstBuffers>
  static bool starts_with_empty_buffer(const ConstBuffers& buffers) {
    const auto first = boost::asio::buffer_sequence_begin(buffers);
    return first != boost::asio::buffer_sequence_end(buffers) &&
           boost::asio::const_buffer(*first).size() == 0;
  }

  std::optional<boost::beast::tcp_stream> plain_;  // exactly one of the two is set
  std::optional<TlsStream> tls_;
};

}  // namespace glassbox::http::detail
