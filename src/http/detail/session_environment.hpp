#pragma once

#include <atomic>
#include <cstdint>

#include "http/detail/connection_registry.hpp"
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
}  // namespace glassbox::http

namespace glassbox::http::detail {

// What every session of one I/O thread shares with the server. Owned by the server,
// outlives every session.
struct SessionEnvironment {
  const Router& router;
  const Limits& limits;
  telemetry::log::Logger& logger;
  const std::atomic<bool>& stopping;
  ConnectionRegistry& registry;  // this I/O thread's connections
  std::uint16_t server_port = 0;
  RequestMetrics* metrics = nullptr;                 // nullptr: the server records no metrics
  const telemetry::trace::Tracer* tracer = nullptr;  // nullptr: no spans
  // When spans are exported, only sampled requests lend their trace id to exemplars (the
  // id must lead to a stored trace); otherwise every request does (it leads to its logs).
  bool exemplars_only_when_sampled = false;
  const TlsContext* tls = nullptr;  // set: every connection speaks TLS (https)
};

}  // namespace glassbox::http::detail
