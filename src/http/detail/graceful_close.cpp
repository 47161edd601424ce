#include "http/detail/graceful_close.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace glassbox::http::detail {
namespace {

constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;

}  // namespace

boost::asio::awaitable<void> graceful_close(SessionStream& session_stream) {
  using boost::asio::ip::tcp;
  if (session_stream.is_tls()) {
    // Sends close_notify; the wait for the peer's own ends with the timeout or its close.
    session_stream.expires_after(kLingerTimeout);
    auto [ignored_error] = co_await session_stream.tls().async_shutdown(
        boost::asio::as_tuple(boost::asio::use_awaitable));
    (void)ignored_error;
  }
  // What is left of the client's bytes is discarded undecrypted.
  co_await graceful_close_tcp(session_stream.tcp());
}

boost::asio::awaitable<void> graceful_close_tcp(boost::beast::tcp_stream& stream) {
  using boost::asio::ip::tcp;
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  std::array<char, 4096> discard;
  std::size_t discarded = 0;
  stream.expires_after(kLingerTimeout);
  while (discarded < kLingerMaxBytes) {
    auto [error, count] = co_await stream.async_read_some(
        boost::asio::buffer(discard), boost::asio::as_tuple(boost::asio::use_awaitable));
    if (error) break;  // eof (the client closed too), timeout, or reset: all mean done
    discarded += count;
  }
  stream.socket().close(ignored);
}

}  // namespace glassbox::http::detail
