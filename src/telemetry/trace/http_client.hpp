#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
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

// How often a blocked post looks at its `cancelled` flag.
inline constexpr std::chrono::milliseconds kCancelCheckInterval{50};

// HTTP/1.1 POSTs to one endpoint over a plain TCP connection that is kept open between
// them, as OpenTelemetry SDKs do: a new connection (handshake, slow start, teardown) per
// batch cost more kernel time than sending the batch (docs/decisions/011).
//
// A connection is reused only after a response whose end is known (Content-Length, or a
// status without a body) and that did not say `Connection: close`; anything else, a
// failure, or a timeout closes it. A kept connection the server has closed meanwhile (an
// idle timeout) is noticed before sending, or, when the close crosses the request, by the
// response not starting: the request then goes once more over a new connection, within
// the same post and deadline.
//
// post() blocks the calling thread — never call it from an I/O thread. Every step
// (connect, send, wait for the response) is bounded by `deadline`, so a server that
// accepts and never answers costs at most that. When `cancelled` is given, another thread
// setting it ends a wait within kCancelCheckInterval (kCancelled). Only the status line,
// Retry-After and the framing are read; the body is read and discarded. Header names and
// values must not contain CR or LF (the caller validates). One thread at a time; never
// throws except std::bad_alloc.
class HttpClient {
 public:
  explicit HttpClient(HttpEndpoint endpoint) : endpoint_(std::move(endpoint)) {}
  ~HttpClient() { disconnect(); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpPostResult post(std::string_view content_type, const HttpHeaders& headers,
                      std::string_view body, std::chrono::steady_clock::time_point deadline,
                      const std::atomic<bool>* cancelled = nullptr);

  const HttpEndpoint& endpoint() const noexcept { return endpoint_; }
  // Connections opened so far.
  std::uint64_t connections_opened() const noexcept { return connections_opened_; }

 private:
  void disconnect() noexcept;

  HttpEndpoint endpoint_;
  int fd_ = -1;  // the kept connection, -1 when none
  std::uint64_t connections_opened_ = 0;
  std::string head_;      // reused: the request head
  std::string received_;  // reused: the response
};

// An HTTP/1.x response head, as far as a client that discards the body needs it.
struct ResponseHead {
  int status = 0;
  std::optional<std::chrono::seconds> retry_after;  // delay-seconds form only
  std::optional<std::size_t> content_length;        // absent, or not one valid number
  bool chunked = false;                             // Transfer-Encoding present
  bool keep_alive = false;                          // HTTP/1.1 without `Connection: close`
};

// The head (up to and including the blank line) of an HTTP/1.x response; nullopt when it
// is not one. Exposed for tests.
std::optional<ResponseHead> parse_response_head(std::string_view head);

}  // namespace glassbox::telemetry::trace
