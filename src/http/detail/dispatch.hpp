#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <optional>
#include <string_view>

#include "http/detail/request_reading.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace glassbox::telemetry::log {
class Logger;
}

// From a parsed request to its handler's response, without a socket: what the session does
// between reading a request and writing the answer, shared with the fuzz target
// (tests/fuzz/http_request_fuzz.cpp) so that it runs the same steps.
namespace glassbox::http::detail {

// Request headers straight from the parsed message, without copies.
class BeastHeaderLookup final : public HeaderLookup {
 public:
  explicit BeastHeaderLookup(const boost::beast::http::fields& fields) : fields_(fields) {}
  std::string_view get(std::string_view name) const override;

 private:
  const boost::beast::http::fields& fields_;
};

// The handler's view of `message`: method, target, headers and body; path and query are
// set by route_request, the client address, server port and span context by the caller.
// Views into `message` and `headers`, which must outlive the request.
Request make_request(const RequestMessage& message, const HeaderLookup& headers);

struct Routing {
  const Route* route = nullptr;    // the matched route; nullptr when none matched
  std::optional<Response> answer;  // set when no handler is to run (see route_request)
  bool bad_target = false;         // the answer is the 400 for a target that cannot be routed
};

// Splits the target into `request.path` and `request.query` and matches it. Answers without
// a handler: 400 for a target that cannot be routed (split_request_target), 404, 405 (with
// Allow), and 400 for a WebSocket route asked without an upgrade. A matched WebSocket route
// with an upgrade comes back with no answer: the caller hands the connection over.
Routing route_request(const Router& router, const RequestMessage& message, Request& request);

// Runs the route's handler. An exception it throws is logged (never shown to the client)
// and answered 500.
boost::asio::awaitable<Response> run_handler(const Route& route, Request& request,
                                             telemetry::log::Logger& logger);

}  // namespace glassbox::http::detail
