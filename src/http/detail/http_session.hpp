#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/detail/session_environment.hpp"

namespace glassbox::http::detail {

// Serves one connection until the client closes it, a limit or error ends it, or the
// server stops. Runs on the socket's I/O thread.
boost::asio::awaitable<void> run_http_session(boost::asio::ip::tcp::socket socket,
                                              SessionEnvironment& environment);

// Answers a connection over the connection limit with 503 (over TLS when the server speaks
// it) and closes it.
boost::asio::awaitable<void> reject_connection(boost::asio::ip::tcp::socket socket,
                                               SessionEnvironment& environment);

}  // namespace glassbox::http::detail
