#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "telemetry/trace/http_endpoint.hpp"

namespace glassbox::telemetry::trace {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

enum class HttpFailure {
  kNone,         // a response arrived (any status)
  kResolve,      // the host name did not resolve
  kConnect,      // no address accepted the connection
  kTimeout,      // the deadline passed first (connecting, sending or waiting)
  kIo,           // the connection failed or closed before a whole response head
  kBadResponse,  // what came back was not an HTTP/1.x response head
  kCancelled,    // `cancelled` became true first
};

struct HttpPostResult {
  HttpFailure failure = HttpFailure::kNone;
  int status = 0;  // with kNone
  // Retry-After in delay-seconds form (an HTTP-date is ignored), with kNone.
  std::optional<std::chrono::seconds> retry_after;
  std::string detail;  // for logs: what went wrong, e.g. "connect: Connection refused"
};

// One HTTP/1.1 POST over a fresh plain TCP connection ("Connection: close"), blocking the
// calling thread — never call it from an I/O thread. Every step (connect, send, wait for
// the response head) is bounded by `deadline`, so a server that accepts and never answers
// costs at most that. When `cancelled` is given, another thread setting it ends a wait
// within kCancelCheckInterval (kCancelled). Only the status line and Retry-After are read;
// the body is not. Header names and values must not contain CR or LF (the caller
// validates). Thread-safe (no shared state); never throws except std::bad_alloc.
HttpPostResult http_post(const HttpEndpoint& endpoint, std::string_view content_type,
                         const HttpHeaders& headers, std::string_view body,
                         std::chrono::steady_clock::time_point deadline,
                         const std::atomic<bool>* cancelled = nullptr);

// How often a blocked http_post looks at its `cancelled` flag.
inline constexpr std::chrono::milliseconds kCancelCheckInterval{50};

// The status and Retry-After of an HTTP/1.x response head (up to and including the blank
// line). nullopt when it is not one. Exposed for tests.
std::optional<HttpPostResult> parse_response_head(std::string_view head);

}  // namespace glassbox::telemetry::trace
