#pragma once

#include <list>

namespace glassbox::http::detail {

// A live connection, as the shutdown sequence sees it.
class Connection {
 public:
  // The server stopped accepting: close now if idle, else after the current response.
  virtual void on_server_stopping() = 0;

 protected:
  ~Connection() = default;
};

// The connections of one I/O thread. Not thread-safe by design: it is only touched from
// its own thread (sessions register there, and shutdown is posted there).
class ConnectionRegistry {
 public:
  using Handle = std::list<Connection*>::iterator;

  Handle add(Connection* connection) { return connections_.insert(connections_.end(), connection); }
  void remove(Handle handle) { connections_.erase(handle); }
  void notify_stopping() {
    // A connection may remove itself while being notified: advance first.
    for (auto it = connections_.begin(); it != connections_.end();) {
      Connection* connection = *it++;
      connection->on_server_stopping();
    }
  }

 private:
  std::list<Connection*> connections_;
};

}  // namespace glassbox::http::detail
