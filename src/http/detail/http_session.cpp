#include "http/detail/http_session.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>

#include "http/detail/connection_watchdog.hpp"
#include "http/detail/dispatch.hpp"
#include "http/detail/graceful_close.hpp"
#include "http/detail/request_reading.hpp"
#include "http/detail/request_target.hpp"
#include "http/detail/response_head.hpp"
#include "http/detail/session_stream.hpp"
#include "http/detail/websocket_session.hpp"
#include "http/error.hpp"
#include "http/request_metrics.hpp"
#include "http/router.hpp"
#include "http/tls_context.hpp"
#include "telemetry/log/access_record.hpp"
#include "telemetry/log/logger.hpp"
#include "telemetry/metrics/exemplar.hpp"
#include "telemetry/trace/random_ids.hpp"
#include "telemetry/trace/trace_context.hpp"
#include "telemetry/trace/tracer.hpp"

namespace glassbox::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

constexpr auto kBodyReadTimeout = std::chrono::seconds(30);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr std::size_t kFirstReadSize = 4096;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

// The shortest timeout the session arms its watchdog with (see ConnectionWatchdog).
std::chrono::steady_clock::duration shortest_timeout(const Limits& limits) {
  return std::min<std::chrono::steady_clock::duration>(
      {limits.header_timeout, limits.idle_timeout, kWriteTimeout});
}

// Counts a request in http_requests_in_flight for as long as it is handled.
class InFlight {
 public:
  explicit InFlight(RequestMetrics* metrics) : metrics_(metrics) {
    if (metrics_ != nullptr) metrics_->in_flight().inc();
  }
  ~InFlight() { end(); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  void end() {
    if (metrics_ != nullptr) metrics_->in_flight().dec();
    metrics_ = nullptr;
  }

 private:
  RequestMetrics* metrics_;
};

SessionStream make_stream(tcp::socket socket, const TlsContext* tls) {
  if (tls == nullptr) return SessionStream(std::move(socket));
  return SessionStream(std::move(socket), tls->native());
}

// The TLS handshake, bounded like a request head, starting with the client's bytes already
// in `already_read` (consumed as the handshake uses them). False when it failed (not a TLS
// client, no common protocol version, a timeout): the caller closes.
asio::awaitable<bool> tls_handshake(SessionStream& stream, std::chrono::seconds timeout,
                                    telemetry::log::Logger& logger,
                                    beast::flat_buffer& already_read) {
  stream.expires_after(timeout);
  auto [error, used] = co_await stream.tls().async_handshake(asio::ssl::stream_base::server,
                                                             already_read.data(), kAsTuple);
  already_read.consume(used);
  if (!error) co_return true;
  if (logger.enabled(telemetry::log::Level::kDebug)) {
    logger.write(telemetry::log::Level::kDebug, "http.session", "TLS handshake failed",
                 {{"error", error.message()}});
  }
  co_return false;
}

class HttpSession final : public Connection {
 public:
  HttpSession(tcp::socket socket, SessionEnvironment& environment)
      : stream_(make_stream(std::move(socket), environment.tls)),
        environment_(environment),
        watchdog_(stream_, shortest_timeout(environment.limits)) {
    beast::error_code ignored;
    const auto remote = stream_.socket().remote_endpoint(ignored);
    if (!ignored) client_address_ = remote.address().to_string();
    const auto local = stream_.socket().local_endpoint(ignored);
    if (!ignored) server_address_ = local.address().to_string();
    registration_ = environment_.registry.add(this);
  }
  ~HttpSession() { environment_.registry.remove(registration_); }
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void on_server_stopping() override {
    // Busy sessions see `stopping` after their response. An idle one is closed, unless a
    // request has already reached its socket (sent before the signal, its read not yet
    // completed): that one is served, with Connection: close.
    if (idle_ && !request_reached_socket()) stream_.cancel();
  }

  asio::awaitable<void> run();

 private:
  // Looks at the first bytes: a TLS ClientHello gets the handshake (with the bytes already
  // read), anything else — plain HTTP sent to the TLS port — a 400 that says to use https.
  // False when the connection should end.
  asio::awaitable<bool> secure();
  // Bytes of a request wait in the socket, unread: sent before the server stopped (or
  // before its notice reached this connection), so they are served.
  bool request_reached_socket() {
    beast::error_code error;
    return stream_.socket().available(error) > 0 && !error;
  }
  // Waits for the first byte of the next request, up to the idle (or, for a new
  // connection, the header) timeout. False when the connection should end.
  asio::awaitable<bool> wait_for_request(std::chrono::seconds timeout);
  // Reads until the whole head (request line and fields) is in the buffer; answers 414 when
  // the target is too long, 431 when the head is (see check_request_head). The head's
  // length, or nullopt when the connection should end.
  asio::awaitable<std::optional<std::size_t>> read_request_head();
  // Parses the head (the buffer's first `head_length` bytes), then reads the body.
  asio::awaitable<bool> read_request(RequestParser& parser, std::size_t head_length);
  // Runs the matched route's handler. `matched` is the route (nullptr when none matched);
  // for a WebSocket route the returned response is unused and the caller upgrades.
  asio::awaitable<Response> dispatch(RequestParser& parser, const Route*& matched);
  // Records the request's metrics (when the server has them) once its response is out.
  // Starts the request's SERVER span, named after the route (or just the method when no
  // route matched), as the child of a valid incoming traceparent.
  void start_span(const Route* route);
  // Notes what the parsed head says (see head_parsed_).
  void remember_head(const bhttp::request<bhttp::string_body>& message);
  // Closes the request's telemetry once its response is out: the span's attributes, status
  // and end; the metrics (exemplar from the span); the access-log line.
  void finish_request(const Route* route, Method method, const Response& response,
                      std::size_t request_bytes, std::size_t response_bytes);
  void log_access(const Route* route, Method method, unsigned status, std::size_t response_bytes);
  void record_metrics(const Route* route, Method method, unsigned status, std::size_t request_bytes,
                      std::size_t response_bytes);
  asio::awaitable<bool> write_response(const Response& response, bool head_only, bool keep_alive,
                                       bool http10);
  // Answers a request the HTTP layer refuses, counts it under `reason`, and closes.
  asio::awaitable<void> fail(Response response, RejectReason reason);
  void count_rejection(RejectReason reason) {
    if (environment_.metrics != nullptr) environment_.metrics->record_rejection(reason);
  }

  SessionStream stream_;
  SessionEnvironment& environment_;
  // Waiting for a request, reading its head and writing its response are bounded by the
  // watchdog; the rare steps (TLS handshake, 100-continue, body, lingering close) by the
  // stream's own per-operation timeouts, which are off (expires_never) otherwise.
  ConnectionWatchdog watchdog_;
  beast::flat_buffer buffer_;
  std::string client_address_;
  std::string server_address_;
  std::string head_;       // reused for every response's head
  std::string span_name_;  // reused for every request's span name
  std::chrono::steady_clock::time_point request_started_;
  std::optional<telemetry::metrics::TraceId> trace_id_;  // for the exemplar, when any
  telemetry::trace::Span span_;
  // What is known of the current request once its head is parsed (views into the parser,
  // valid until the response is out), so a request refused after that (413) is still
  // logged, measured and traced with its method, path and route.
  bool head_parsed_ = false;
  Method method_ = Method::kOther;
  std::string_view method_text_;
  bool http10_ = false;
  std::string_view path_;
  std::string_view user_agent_;
  std::string_view traceparent_;  // "" when absent or sent more than once (W3C: invalid)
  std::string_view tracestate_;
  bool idle_ = false;
  ConnectionRegistry::Handle registration_;
};

asio::awaitable<bool> HttpSession::wait_for_request(std::chrono::seconds timeout) {
  if (buffer_.size() > 0) co_return true;  // a pipelined request is already here
  // A session can start after the stop: accepted before it, its I/O thread busy until
  // after the signal. Its client sent a request to a server that was still accepting.
  if (environment_.stopping.load(std::memory_order_relaxed) && !request_reached_socket()) {
    co_return false;
  }
  idle_ = true;
  watchdog_.arm(timeout);
  auto [error, count] = co_await stream_.async_read_some(buffer_.prepare(kFirstReadSize), kAsTuple);
  idle_ = false;
  if (error) co_return false;
  buffer_.commit(count);
  co_return true;
}

asio::awaitable<std::optional<std::size_t>> HttpSession::read_request_head() {
  const Limits& limits = environment_.limits;
  while (true) {
    // Found by tests/fuzz (regressions/http_request/empty_line_before_request): the parser
    // answered 400 to the empty lines RFC 9112 2.2 says to ignore, so they go first.
    buffer_.consume(leading_empty_lines(
        std::string_view(static_cast<const char*>(buffer_.data().data()), buffer_.size())));
    const std::string_view received(static_cast<const char*>(buffer_.data().data()),
                                    buffer_.size());
    const RequestLineStatus line = check_request_line(received, limits.max_target_bytes);
    if (line == RequestLineStatus::kTooLong) {
      co_await fail(error_response(ErrorCode::kUriTooLong, "request target too long"),
                    RejectReason::kTargetTooLong);
      co_return std::nullopt;
    }
    if (line == RequestLineStatus::kComplete) {
      const RequestHeadCheck head = check_request_head(received, limits.max_header_bytes);
      if (head.status == RequestHeadStatus::kComplete) co_return head.length;
      if (head.status == RequestHeadStatus::kTooLarge) {
        co_await fail(error_response(ErrorCode::kHeadersTooLarge, "request headers too large"),
                      RejectReason::kHeaderTooLarge);
        co_return std::nullopt;
      }
    }
    auto [error, count] =
        co_await stream_.async_read_some(buffer_.prepare(kFirstReadSize), kAsTuple);
    if (error) {
      // Slow-loris: a head still arriving at the header deadline is cut off, unanswered.
      if (watchdog_.expired()) count_rejection(RejectReason::kTimeout);
      co_return std::nullopt;
    }
    buffer_.commit(count);
  }
}

asio::awaitable<bool> HttpSession::read_request(RequestParser& parser, std::size_t head_length) {
  watchdog_.disarm();  // the head is in; a body has its own timeout
  apply_limits(parser, environment_.limits);
  const beast::error_code header_error = parse_head(
      parser, std::string_view(static_cast<const char*>(buffer_.data().data()), head_length));
  buffer_.consume(head_length);
  if (header_error) {
    // A declared body over the limit is refused while the head is being finished: its
    // request line and fields are all in the message by then.
    if (parser.is_header_done() || header_error == bhttp::error::body_limit) {
      remember_head(parser.get());
    }
    if (auto response = response_for_read_error(header_error)) {
      co_await fail(std::move(*response), rejection_reason(header_error));
    }
    co_return false;
  }

  auto& message = parser.get();
  remember_head(message);
  if (auto refusal = check_head(message, environment_.limits)) {
    co_await fail(std::move(refusal->response), refusal->reason);
    co_return false;
  }
  if (parser.is_done()) co_return true;

  if (beast::iequals(message[bhttp::field::expect], "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(kWriteTimeout);
    auto [write_error, written] =
        co_await asio::async_write(stream_, asio::buffer(kContinue), kAsTuple);
    if (write_error) co_return false;
  }
  stream_.expires_after(kBodyReadTimeout);
  auto [body_error, body_bytes] = co_await bhttp::async_read(stream_, buffer_, parser, kAsTuple);
  stream_.expires_never();
  if (body_error) {
    if (auto response = response_for_read_error(body_error)) {
      co_await fail(std::move(*response), rejection_reason(body_error));
    } else if (body_error == beast::error::timeout) {
      count_rejection(RejectReason::kTimeout);
    }
    co_return false;
  }
  co_return true;
}

asio::awaitable<Response> HttpSession::dispatch(RequestParser& parser, const Route*& matched) {
  const auto& message = parser.get();
  const BeastHeaderLookup headers(message.base());
  Request request = make_request(message, headers);
  request.client_address = client_address_;
  request.server_port = environment_.server_port;

  Routing routing = route_request(environment_.router, message, request);
  start_span(routing.route);
  request.span_context = span_.context();
  matched = routing.route;
  if (routing.bad_target) count_rejection(RejectReason::kBadEncoding);
  if (routing.answer) co_return std::move(*routing.answer);
  if (routing.route->is_websocket()) {
    const WebSocketHandler& websocket = routing.route->websocket;
    if (websocket.admit) {
      if (std::optional<Response> refusal = websocket.admit(request)) co_return std::move(*refusal);
    }
    co_return Response{};  // empty: the caller upgrades
  }
  co_return co_await run_handler(*routing.route, request, environment_.logger);
}

asio::awaitable<bool> HttpSession::write_response(const Response& response, bool head_only,
                                                  bool keep_alive, bool http10) {
  write_response_head(head_, response, {.keep_alive = keep_alive, .http10 = http10});
  const std::array<asio::const_buffer, 2> buffers = {
      asio::buffer(head_), head_only ? asio::const_buffer{} : asio::buffer(response.body)};
  watchdog_.arm(kWriteTimeout);
  auto [error, written] = co_await asio::async_write(stream_, buffers, kAsTuple);
  co_return !error;
}

// Note for every co_await in a condition below: GCC 12 miscompiles `if (co_await f())`
// (the process died with SIGILL), so results are named first.
asio::awaitable<void> HttpSession::fail(Response response, RejectReason reason) {
  count_rejection(reason);
  const bool written = co_await write_response(response, false, false, false);
  const Route* route = nullptr;
  if (head_parsed_) {
    route = environment_.router.match(method_, path_).route;
    start_span(route);
  }
  finish_request(route, method_, response, 0, response.body.size());
  watchdog_.stop();  // graceful_close bounds itself
  if (written) co_await graceful_close(stream_);
}

void HttpSession::start_span(const Route* route) {
  const telemetry::trace::Tracer* tracer = environment_.tracer;
  if (tracer == nullptr) return;
  const auto parent = telemetry::trace::extract_context(traceparent_, tracestate_);
  // OpenTelemetry: "{method} {route}", or "HTTP" for a method outside the standard set.
  // Built in a buffer the session keeps: "GET /api/users/{id}" is past the small-string
  // size, and a fresh string would cost an allocation per request.
  span_name_.assign(method_ == Method::kOther ? std::string_view("HTTP") : method_name(method_));
  if (route != nullptr) {
    span_name_ += ' ';
    span_name_ += route->label;
  }
  span_ = tracer->start_span(span_name_, telemetry::trace::SpanKind::kServer,
                             parent ? &*parent : nullptr);
}

void HttpSession::remember_head(const bhttp::request<bhttp::string_body>& message) {
  head_parsed_ = true;
  method_text_ = message.method_string();
  method_ = parse_method(method_text_);
  http10_ = message.version() == 10;
  const auto split = split_request_target(message.target());
  path_ = split ? split->path : std::string_view{};
  user_agent_ = message[bhttp::field::user_agent];
  traceparent_ = message.count("traceparent") == 1 ? std::string_view(message["traceparent"])
                                                   : std::string_view{};
  tracestate_ = message["tracestate"];
}

void HttpSession::finish_request(const Route* route, Method method, const Response& response,
                                 std::size_t request_bytes, std::size_t response_bytes) {
  const telemetry::trace::SpanContext& context = span_.context();
  if (context.trace_id.valid()) {
    if (method == Method::kOther) {
      span_.set_attribute("http.request.method", std::string_view("_OTHER"));
      span_.set_attribute("http.request.method_original", method_text_);
    } else {
      span_.set_attribute("http.request.method", method_name(method));
    }
    if (route != nullptr) span_.set_attribute("http.route", std::string_view(route->label));
    span_.set_attribute("url.path", path_);
    span_.set_attribute("url.scheme", std::string_view(stream_.is_tls() ? "https" : "http"));
    span_.set_attribute("http.response.status_code", static_cast<std::int64_t>(response.status));
    span_.set_attribute("server.address", server_address_);
    span_.set_attribute("server.port", static_cast<std::int64_t>(environment_.server_port));
    span_.set_attribute("client.address", std::string_view(client_address_));
    if (!user_agent_.empty()) span_.set_attribute("user_agent.original", user_agent_);
    span_.set_attribute("network.protocol.version", std::string_view(http10_ ? "1.0" : "1.1"));
    if (response.status >= 500) span_.set_status(telemetry::trace::StatusCode::kError);
    span_.end();
    if (context.sampled() || !environment_.exemplars_only_when_sampled) {
      trace_id_ = telemetry::metrics::TraceId{context.trace_id.high, context.trace_id.low};
    }
  } else {
    // No tracer: a fresh id still ties the exemplar to this request's log line.
    const auto random = telemetry::trace::random_trace_id();
    trace_id_ = telemetry::metrics::TraceId{random.high, random.low};
  }
  record_metrics(route, method, response.status, request_bytes, response_bytes);
  log_access(route, method, response.status, response_bytes);
}

void HttpSession::log_access(const Route* route, Method method, unsigned status,
                             std::size_t response_bytes) {
  telemetry::log::Logger& logger = environment_.logger;
  if (!logger.enabled(telemetry::log::access_level(static_cast<int>(status)))) return;
  const std::chrono::duration<double, std::milli> elapsed =
      std::chrono::steady_clock::now() - request_started_;
  // Without a span (no tracer, or a request refused before its head was read) the line
  // still carries well-formed ids, as every request record does.
  const bool traced = span_.context().trace_id.valid();
  const auto trace_id = telemetry::trace::hex_chars(traced ? span_.context().trace_id
                                                           : telemetry::trace::random_trace_id());
  const auto span_id = telemetry::trace::hex_chars(traced ? span_.context().span_id
                                                          : telemetry::trace::random_span_id());
  logger.access({.method = method_name(method),
                 .endpoint = path_,
                 .route = route != nullptr ? std::string_view(route->label) : "unmatched",
                 .status_code = static_cast<int>(status),
                 .duration_ms = elapsed.count(),
                 .client_address = client_address_,
                 .user_agent = user_agent_,
                 .response_size = response_bytes,
                 .trace_id = telemetry::trace::view(trace_id),
                 .span_id = telemetry::trace::view(span_id)});
}

void HttpSession::record_metrics(const Route* route, Method method, unsigned status,
                                 std::size_t request_bytes, std::size_t response_bytes) {
  RequestMetrics* metrics = environment_.metrics;
  if (metrics == nullptr) return;
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - request_started_;
  metrics->record(route, method, status, elapsed.count(), request_bytes, response_bytes, trace_id_);
}

asio::awaitable<bool> HttpSession::secure() {
  stream_.expires_after(environment_.limits.header_timeout);
  auto [detect_error, is_tls] = co_await beast::async_detect_ssl(stream_.tcp(), buffer_, kAsTuple);
  if (detect_error) co_return false;  // closed, reset or timed out before deciding
  if (!is_tls) {
    // What nginx does too: a plain request here most likely means http:// where https://
    // was meant, and an answer says so where a silent close says nothing.
    count_rejection(RejectReason::kBadRequest);
    const Response refusal = error_response(
        ErrorCode::kBadRequest, "this port speaks HTTPS: send the request with https://");
    write_response_head(head_, refusal, {.keep_alive = false});
    const std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_),
                                                       asio::buffer(refusal.body)};
    stream_.expires_after(kWriteTimeout);
    auto [write_error, written] = co_await asio::async_write(stream_.tcp(), buffers, kAsTuple);
    if (!write_error) co_await graceful_close_tcp(stream_.tcp());
    co_return false;
  }
  const bool handshaken = co_await tls_handshake(stream_, environment_.limits.header_timeout,
                                                 environment_.logger, buffer_);
  if (!handshaken) co_return false;
  // The handshake takes every byte read with the ClientHello (a client sends nothing else
  // before the server's answer); what it left would be ciphertext read as a request.
  if (buffer_.size() > 0) co_return false;
  stream_.expires_never();
  co_return true;
}

asio::awaitable<void> HttpSession::run() {
  if (stream_.is_tls()) {
    const bool secured = co_await secure();  // named first: see the note above fail()
    if (!secured) co_return;
  }
  bool first = true;
  while (true) {
    const auto wait = first ? environment_.limits.header_timeout : environment_.limits.idle_timeout;
    first = false;
    const bool request_arriving = co_await wait_for_request(wait);
    if (!request_arriving) break;

    // One deadline from the request's first byte to its last header.
    watchdog_.arm(environment_.limits.header_timeout);
    request_started_ = std::chrono::steady_clock::now();
    trace_id_.reset();
    span_ = telemetry::trace::Span{};
    head_parsed_ = false;
    method_ = Method::kOther;
    method_text_ = {};
    http10_ = false;
    path_ = {};
    user_agent_ = {};
    traceparent_ = {};
    tracestate_ = {};
    const std::optional<std::size_t> head_length = co_await read_request_head();
    if (!head_length) co_return;
    RequestParser parser;
    const bool request_read = co_await read_request(parser, *head_length);
    if (!request_read) co_return;

    const Method method = parse_method(parser.get().method_string());
    InFlight in_flight(environment_.metrics);
    const Route* route = nullptr;
    const Response response = co_await dispatch(parser, route);
    if (route != nullptr && route->is_websocket() && response.body.empty()) {
      // The upgrade is this request's answer (101); the connection now belongs to the
      // WebSocket session, which keeps its own timeouts.
      in_flight.end();
      Response upgrade;
      upgrade.status = 101;
      finish_request(route, method, upgrade, 0, 0);
      watchdog_.stop();  // the stream moves to the WebSocket session
      co_await run_websocket_session(std::move(stream_), parser.release(), route->websocket,
                                     environment_);
      co_return;
    }

    const auto& message = parser.get();
    const bool keep_alive = message.keep_alive() && !response.close_connection &&
                            !environment_.stopping.load(std::memory_order_relaxed);
    const bool head_only = message.method() == bhttp::verb::head;
    const bool written =
        co_await write_response(response, head_only, keep_alive, message.version() == 10);
    in_flight.end();
    finish_request(route, method, response, message.body().size(),
                   head_only ? 0 : response.body.size());
    if (!written) break;
    if (!keep_alive) {
      watchdog_.stop();  // graceful_close bounds itself
      co_await graceful_close(stream_);
      co_return;
    }
  }
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

}  // namespace

asio::awaitable<void> run_http_session(tcp::socket socket, SessionEnvironment& environment) {
  HttpSession session(std::move(socket), environment);
  co_await session.run();
}

asio::awaitable<void> reject_connection(tcp::socket socket, SessionEnvironment& environment) {
  if (environment.metrics != nullptr) {
    environment.metrics->record_rejection(RejectReason::kTooManyConnections);
  }
  SessionStream stream = make_stream(std::move(socket), environment.tls);
  if (stream.is_tls()) {
    beast::flat_buffer nothing_read;
    const bool secured = co_await tls_handshake(stream, environment.limits.header_timeout,
                                                environment.logger, nothing_read);
    if (!secured) co_return;
  }
  const Response response =
      error_response(ErrorCode::kUnavailable, "too many connections, try again later");
  std::string head;
  write_response_head(head, response, {.keep_alive = false});
  const std::array<asio::const_buffer, 2> buffers = {asio::buffer(head),
                                                     asio::buffer(response.body)};
  stream.expires_after(kWriteTimeout);
  auto [error, written] = co_await asio::async_write(stream, buffers, kAsTuple);
  if (!error) co_await graceful_close(stream);
}

}  // namespace glassbox::http::detail
