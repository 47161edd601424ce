#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/detail/session_stream.hpp"

namespace glassbox::http::detail {

// Closes a connection after its last response without losing that response: shuts down
// our sending side, then reads and discards what the client still sends (bounded in time
// and bytes) before closing. Closing at once with unread input makes the kernel send a
// reset, which can destroy the response before the client reads it (RFC 9112, 9.6). Over
// TLS, a close_notify goes first (bounded by the same timeout).
boost::asio::awaitable<void> graceful_close(SessionStream& stream);

// The TCP part of graceful_close alone: for a connection on which TLS never started (plain
// HTTP answered on the TLS port).
boost::asio::awaitable<void> graceful_close_tcp(boost::beast::tcp_stream& stream);

}  // namespace glassbox::http::detail
