#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/limits.hpp"

namespace glassbox::telemetry::log {
class Logger;
}
namespace glassbox::telemetry::trace {
class Tracer;
}

namespace glassbox::http {

class RequestMetrics;
class Router;
class TlsContext;

// What the server records per request; each part optional, each must outlive the server.
struct ServerTelemetry {
  RequestMetrics* metrics = nullptr;
  const telemetry::trace::Tracer* tracer = nullptr;
  bool exporting_spans = false;  // see SessionEnvironment::exemplars_only_when_sampled
};

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;  // 0: the kernel picks a free port (see Server::port())
  unsigned threads = 1;       // I/O threads, each with its own event loop
  Limits limits;
  // Set: the listener speaks only HTTPS (and wss). Must outlive the server.
  const TlsContext* tls = nullptr;
};

// An HTTP/1.1 + WebSocket server: one listener, and per accepted connection one session
// on one of the I/O threads (round-robin) that reads a request, runs the route's handler
// and writes the response, in order, for as long as the client keeps the connection.
//
// Lifecycle: listen() binds; run() serves until SIGTERM/SIGINT or stop(), then stops
// accepting, closes idle connections, lets in-flight requests finish (answered with
// Connection: close) for at most Limits::shutdown_timeout, and returns.
class Server {
 public:
  // listen() prepares the telemetry's metrics for the router's routes, which must all be
  // added by then. Every finished request gets one access-log line on `logger`.
  Server(ServerOptions options, const Router& router, telemetry::log::Logger& logger,
         ServerTelemetry telemetry = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, and from then on handles SIGTERM and SIGINT as a graceful shutdown. Throws
  // std::system_error when the address cannot be bound.
  void listen();
  // The bound port (useful after listening on port 0).
  std::uint16_t port() const;
  // Blocks the calling thread until the server has shut down. True when every connection
  // finished within Limits::shutdown_timeout; false when the drain timed out and the
  // remaining connections were abandoned.
  bool run();
  // Begins the graceful shutdown; safe from any thread, idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace glassbox::http
