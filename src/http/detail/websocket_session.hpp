#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/detail/session_environment.hpp"
#include "http/detail/session_stream.hpp"
#include "http/websocket_peer.hpp"

namespace glassbox::http::detail {

// Completes the WebSocket handshake for `upgrade_request` and runs the connection until
// either side closes it, calling the route's handler. Runs on the stream's I/O thread.
boost::asio::awaitable<void> run_websocket_session(
    SessionStream stream,
    boost::beast::http::request<boost::beast::http::string_body> upgrade_request,
    const WebSocketHandler& handler, SessionEnvironment& environment);

}  // namespace glassbox::http::detail
