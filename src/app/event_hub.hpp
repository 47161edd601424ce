#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/app_metrics.hpp"
#include "http/websocket_peer.hpp"

namespace glassbox::app {

// The subscribers of /ws/events and the fan-out of user events to them.
// Thread-safe: publish() is called from database worker threads and the cleanup job;
// the WebSocket callbacks run on I/O threads.
class EventHub {
 public:
  // Counts connections and messages in `metrics`, which must outlive the hub.
  explicit EventHub(AppMetrics& metrics) : metrics_(metrics) {}

  // The callbacks for the /ws/events route: subscribe on open, acknowledge every text
  // message with {"type":"ack"}, unsubscribe on close.
  http::WebSocketHandler websocket_handler();

  // Sends `message` to every subscriber (each peer keeps the order it was given).
  void publish(const std::string& message);
  std::size_t subscriber_count() const;
  // Forgets every subscriber (at shutdown, once the server has stopped).
  void clear();

 private:
  AppMetrics& metrics_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<http::WebSocketPeer>> subscribers_;
};

}  // namespace glassbox::app
