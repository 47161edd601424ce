#include "app/event_hub.hpp"

#include <algorithm>

namespace glassbox::app {

http::WebSocketHandler EventHub::websocket_handler() {
  http::WebSocketHandler handler;
  handler.on_open = [this](const std::shared_ptr<http::WebSocketPeer>& peer) {
    metrics_.websocket_connections.inc();
    const std::lock_guard lock(mutex_);
    subscribers_.push_back(peer);
  };
  handler.on_text = [this](http::WebSocketPeer& peer, std::string_view) {
    metrics_.websocket_messages_received.inc();
    metrics_.websocket_messages_sent.inc();
    peer.send_text(R"({"type":"ack"})");
  };
  handler.on_close = [this](http::WebSocketPeer& peer) {
    metrics_.websocket_connections.dec();
    const std::lock_guard lock(mutex_);
    std::erase_if(subscribers_,
                  [&peer](const auto& subscriber) { return subscriber.get() == &peer; });
  };
  return handler;
}

void EventHub::publish(const std::string& message) {
  std::vector<std::shared_ptr<http::WebSocketPeer>> recipients;
  {
    const std::lock_guard lock(mutex_);
    if (subscribers_.empty()) return;
    recipients = subscribers_;
  }
  for (const auto& peer : recipients)
    peer->send_text(message);
  metrics_.websocket_messages_sent.inc_integer(recipients.size());
}

std::size_t EventHub::subscriber_count() const {
  const std::lock_guard lock(mutex_);
  return subscribers_.size();
}

void EventHub::clear() {
  const std::lock_guard lock(mutex_);
  subscribers_.clear();
}

}  // namespace glassbox::app
