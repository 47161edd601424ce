// The HTTP request path in process: the input is what a client sends on one connection
// (one or more pipelined requests). It goes through the session's own steps — the request
// line check, the Beast parser with the server's limits, the head checks, the router, and
// the service's real handlers on an in-memory SQLite store — with a scripted stream in
// place of the socket. HttpSession::run (src/http/detail/http_session.cpp) is the model:
// keep the loop below in step with it.
//
// Checked for every answer: its status is one the contract lists (never 500: a handler
// threw, or 503: nothing here is unavailable); the bytes a client would receive parse as
// exactly one response with that status and body; a JSON body is valid JSON, an error one
// {"error":{"code":...,"message":...}}. And the connection is served twice, once with
// every byte at once and once in small pieces after an empty line: the answers must not
// depend on how the bytes arrived.
#include <fcntl.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <boost/system/system_error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/api/api_context.hpp"
#include "app/api/routes.hpp"
#include "fuzz_check.hpp"
#include "http/detail/dispatch.hpp"
#include "http/detail/request_reading.hpp"
#include "http/detail/request_target.hpp"
#include "http/detail/response_head.hpp"
#include "http/error.hpp"
#include "storage/database.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace app = glassbox::app;
namespace http = glassbox::http;
namespace detail = glassbox::http::detail;

constexpr std::size_t kMaxRequestsPerConnection = 16;
constexpr std::size_t kSessionReadSize = 4096;  // HttpSession's kFirstReadSize
constexpr std::int64_t kNowMs = 1'700'000'000'000;
constexpr std::string_view kMetricsToken = "fuzz-token";
// Bodies of this content type are checked as JSON.
constexpr std::string_view kJson = http::kJsonContentType;

// Stands in for the socket: hands out the scripted bytes at most `piece` at a time, then
// end of stream. A SyncReadStream, so Beast's read algorithms run on it as on a socket.
class ScriptedStream {
 public:
  ScriptedStream(std::string_view bytes, std::size_t piece) : rest_(bytes), piece_(piece) {}

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& error) {
    if (rest_.empty()) {
      error = asio::error::eof;
      return 0;
    }
    error = {};
    const std::size_t count =
        asio::buffer_copy(buffers, asio::buffer(rest_.data(), std::min(rest_.size(), piece_)));
    rest_.remove_prefix(count);
    return count;
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code error;
    const std::size_t count = read_some(buffers, error);
    if (error) throw boost::system::system_error(error);
    return count;
  }

 private:
  std::string_view rest_;
  std::size_t piece_;
};

// What lives as long as the process, as in run_application: configuration, the log (to
// /dev/null), the metrics, the worker pools and the event loop the handlers run on.
struct Process {
  Process()
      : config(make_config()),
        logger("glassbox", glassbox::telemetry::log::Level::kDebug,
               {.fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC)}),
        metrics(registry, config.latency_buckets),
        events(metrics),
        database_pool("db-worker", 1, 256),
        compute_pool("compute", 1, 4) {}

  static app::Config make_config() {
    app::Config config;
    config.database_url = "sqlite://:memory:";
    config.database_pool_size = 1;
    config.compute_max_n = 20;       // /compute/40 would take seconds per input
    config.user_cache_capacity = 4;  // small enough for a pipelined input to evict
    config.metrics_token = std::string(kMetricsToken);
    return config;
  }

  const app::Config config;
  glassbox::telemetry::log::Logger logger;
  glassbox::telemetry::metrics::Registry registry;
  app::AppMetrics metrics;
  app::EventHub events;
  app::BlockingPool database_pool;
  app::BlockingPool compute_pool;
  asio::io_context io{1};
};

// What one connection is served by: a fresh store (the plain SQLite one: the instrumented
// wrapper registers a collector that reads its store, which must then outlive the
// registry), cache and routes, wired as run_application wires them, so that the same bytes
// always get the same answers. The metrics are the process's: a count never changes one.
struct Service {
  explicit Service(Process& process)
      : user_cache(process.config.user_cache_capacity),
        store(glassbox::storage::open_database(
            {.url = process.config.database_url, .pool_size = process.config.database_pool_size})),
        context{.config = process.config,
                .store = *store,
                .database_pool = process.database_pool,
                .compute_pool = process.compute_pool,
                .user_cache = user_cache,
                .events = process.events,
                .logger = process.logger,
                .registry = process.registry,
                .metrics = process.metrics,
                .tracer = nullptr,
                .now_millis = [] { return kNowMs; }} {
    app::add_health_routes(router, context);
    app::add_user_routes(router, context);
    app::add_compute_routes(router, context);
    app::add_event_routes(router, context);
    app::add_metrics_routes(router, context);
  }

  app::UserCache user_cache;
  std::unique_ptr<glassbox::storage::UserStore> store;
  app::ApiContext context;
  http::Router router;
};

// Runs a handler on the process's event loop until it has answered; the pools it awaits
// resume it there.
http::Response run_to_completion(Process& process, asio::awaitable<http::Response> work) {
  std::optional<http::Response> answer;
  std::exception_ptr failure;
  auto busy = asio::make_work_guard(process.io);
  asio::co_spawn(process.io, std::move(work),
                 [&](std::exception_ptr thrown, http::Response response) {
                   failure = thrown;
                   answer = std::move(response);
                   busy.reset();
                 });
  process.io.restart();
  process.io.run();
  FUZZ_CHECK(failure == nullptr);  // run_handler turns every exception into a 500
  FUZZ_CHECK(answer.has_value());
  return std::move(*answer);
}

bool listed_status(unsigned status) {
  // CONTRACT.md, HTTP API: what this service answers. 500 and 503 are failures here.
  constexpr unsigned kListed[] = {200, 201, 204, 400, 401, 404, 405, 409, 413, 414, 415, 422, 431};
  return std::find(std::begin(kListed), std::end(kListed), status) != std::end(kListed);
}

void check_json_body(const http::Response& response) {
  if (response.content_type != kJson || response.body.empty()) return;
  boost::system::error_code error;
  const auto body = boost::json::parse(response.body, error);
  FUZZ_CHECK(!error);
  if (response.status < 400) return;
  const auto* object = body.if_object();
  FUZZ_CHECK(object != nullptr && object->contains("error"));
  const auto* inner = object->at("error").if_object();
  FUZZ_CHECK(inner != nullptr);
  FUZZ_CHECK(inner->contains("code") && inner->at("code").is_string());
  FUZZ_CHECK(inner->contains("message") && inner->at("message").is_string());
}

// The bytes the session would write for `response` read back, as a client reads them, as
// exactly one response with its status and body.
void check_response(const http::Response& response, const detail::HeadOptions& options,
                    bool head_only) {
  FUZZ_CHECK(listed_status(response.status));
  std::string wire;
  detail::write_response_head(wire, response, options);
  if (!head_only) wire += response.body;

  ScriptedStream stream(wire, wire.size());
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.skip(head_only);
  boost::system::error_code error;
  bhttp::read(stream, buffer, parser, error);
  FUZZ_CHECK(!error);
  FUZZ_CHECK(buffer.size() == 0);
  FUZZ_CHECK(parser.get().result_int() == response.status);
  if (!head_only) FUZZ_CHECK(parser.get().body() == response.body);
  check_json_body(response);
}

std::string_view received(const beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

// One socket read: false at the end of the stream.
bool read_more(ScriptedStream& stream, beast::flat_buffer& buffer) {
  boost::system::error_code error;
  const std::size_t count = stream.read_some(buffer.prepare(kSessionReadSize), error);
  buffer.commit(count);
  return !error;
}

// Serves one connection's bytes as HttpSession::run does; the statuses of its answers.
std::vector<unsigned> serve_connection(Process& process, std::string_view bytes,
                                       std::size_t piece) {
  Service service(process);
  const http::Limits limits;  // the contract's defaults, which the session runs with
  ScriptedStream stream(bytes, piece);
  beast::flat_buffer buffer;
  std::vector<unsigned> statuses;
  // HttpSession::fail: a refusal is written with Connection: close, and the connection ends.
  const auto refuse = [&statuses](const http::Response& response) {
    check_response(response, {.keep_alive = false}, false);
    statuses.push_back(response.status);
    return statuses;
  };

  for (std::size_t served = 0; served < kMaxRequestsPerConnection; ++served) {
    // wait_for_request: a pipelined request may already be in the buffer.
    if (buffer.size() == 0 && !read_more(stream, buffer)) break;

    // read_request_head
    std::size_t head_length = 0;
    while (true) {
      buffer.consume(detail::leading_empty_lines(received(buffer)));
      const auto line = detail::check_request_line(received(buffer), limits.max_target_bytes);
      if (line == detail::RequestLineStatus::kTooLong) {
        return refuse(
            http::error_response(http::ErrorCode::kUriTooLong, "request target too long"));
      }
      if (line == detail::RequestLineStatus::kComplete) {
        const auto head = detail::check_request_head(received(buffer), limits.max_header_bytes);
        head_length = head.length;
        if (head.status == detail::RequestHeadStatus::kComplete) break;
        if (head.status == detail::RequestHeadStatus::kTooLarge) {
          return refuse(
              http::error_response(http::ErrorCode::kHeadersTooLarge, "request headers too large"));
        }
      }
      if (!read_more(stream, buffer)) return statuses;
    }

    // read_request
    detail::RequestParser parser;
    detail::apply_limits(parser, limits);
    boost::system::error_code error =
        detail::parse_head(parser, received(buffer).substr(0, head_length));
    buffer.consume(head_length);
    if (error) {
      if (auto response = detail::response_for_read_error(error)) return refuse(*response);
      return statuses;
    }
    if (auto refusal = detail::refuse_head(parser.get(), limits)) return refuse(*refusal);
    if (!parser.is_done()) {
      // (The session answers Expect: 100-continue here; nothing to check in that.)
      bhttp::read(stream, buffer, parser, error);
      if (error) {
        if (auto response = detail::response_for_read_error(error)) return refuse(*response);
        return statuses;
      }
    }

    // dispatch
    const detail::RequestMessage& message = parser.get();
    const detail::BeastHeaderLookup headers(message.base());
    http::Request request = detail::make_request(message, headers);
    request.client_address = "192.0.2.10";
    request.server_port = 8080;
    detail::Routing routing = detail::route_request(service.router, message, request);
    http::Response response;
    if (routing.answer) {
      response = std::move(*routing.answer);
    } else if (routing.route->is_websocket()) {
      statuses.push_back(101);  // the connection now belongs to the WebSocket session
      return statuses;
    } else {
      response =
          run_to_completion(process, detail::run_handler(*routing.route, request, process.logger));
    }

    // run: the answer, and whether the connection stays open for another request.
    const bool keep_alive = message.keep_alive() && !response.close_connection;
    const bool head_only = message.method() == bhttp::verb::head;
    check_response(response, {.keep_alive = keep_alive, .http10 = message.version() == 10},
                   head_only);
    statuses.push_back(response.status);
    if (!keep_alive) break;
  }
  return statuses;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Built once and never destroyed: the pools' and the log's threads outlive every input.
  static Process& process = *new Process();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  const std::vector<unsigned> at_once = serve_connection(process, bytes, bytes.size() + 1);
  // Again in pieces of 1 to 31 bytes (chosen by the input's length, so that the fuzzer
  // varies them), after an empty line, which RFC 9112 2.2 says a server should ignore.
  const std::string after_empty_line = "\r\n" + std::string(bytes);
  const std::vector<unsigned> in_pieces =
      serve_connection(process, after_empty_line, 1 + size % 31);
  // GLASSBOX_FUZZ_VERBOSE=1 with an input file shows what it was answered.
  static const bool verbose = std::getenv("GLASSBOX_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "statuses:");
    for (const unsigned status : at_once)
      std::fprintf(stderr, " %u", status);
    std::fprintf(stderr, " (pieces of %zu bytes:", 1 + size % 31);
    for (const unsigned status : in_pieces)
      std::fprintf(stderr, " %u", status);
    std::fprintf(stderr, ")\n");
  }
  FUZZ_CHECK(at_once == in_pieces);
  return 0;
}
