#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "http/response.hpp"

namespace glassbox::http {

// The server's side of one open WebSocket, as the app sees it: no Beast types.
// Thread-safe: send_text() and close() may be called from any thread; messages are sent in
// the order they were given. A peer that cannot keep up (its bounded outgoing queue is
// full) is closed rather than allowed to grow memory without bound.
class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  virtual void send_text(std::string message) = 0;
  virtual void close() = 0;
};

// Callbacks for a WebSocket route. on_open runs once the handshake succeeded; on_text for
// every text message from the client; on_close once, when the connection ends for any
// reason. All run on the connection's I/O thread and must not block.
struct WebSocketHandler {
  // Asked before a valid upgrade is accepted: a response refuses it (the rate limit's 429)
  // and is sent as the answer instead of 101. Unset: every valid upgrade is accepted.
  std::function<std::optional<Response>(const Request& request)> admit;
  std::function<void(const std::shared_ptr<WebSocketPeer>& peer)> on_open;
  std::function<void(WebSocketPeer& peer, std::string_view message)> on_text;
  std::function<void(WebSocketPeer& peer)> on_close;
};

}  // namespace glassbox::http
