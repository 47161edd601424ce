#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/method.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/websocket_peer.hpp"

namespace glassbox::http {

// A request handler: a coroutine from request to response that never sees a socket. It
// runs on the connection's I/O thread, so anything that blocks must be awaited on a pool.
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

// One registered (method, template) pair. Routes are created once at start-up and live as
// long as the router; `index` is dense (0..route_count()-1) so per-route state such as
// metric handles can live in a plain array resolved before the first request.
struct Route {
  std::size_t index = 0;
  Method method = Method::kGet;
  std::string route_template;  // "/api/users/{id:int}" as registered
  std::string label;           // "/api/users/{id}": the template without parameter types
  Handler handler;
  WebSocketHandler websocket;  // set (and handler empty) for WebSocket routes
  bool is_websocket() const { return static_cast<bool>(websocket.on_open); }
};

enum class MatchOutcome { kMatched, kNotFound, kMethodNotAllowed };

struct RouteMatch {
  MatchOutcome outcome = MatchOutcome::kNotFound;
  const Route* route = nullptr;  // set when kMatched
  RouteParams params;            // views into the matched path
  std::string_view allow;        // for kMethodNotAllowed: "GET, HEAD, PUT"
};

// Matches request paths against route templates. A template is '/'-separated segments,
// each a literal or a placeholder: {name} matches any non-empty segment, {name:int} only
// 1..18 ASCII digits; each name at most once, and at most RouteParams::kMaxParams of them.
// A literal segment wins over a placeholder in the same position.
// HEAD is answered by the GET route of a template when there is no HEAD route.
//
// Not thread-safe while routes are added; add() everything before serving, after which
// match() is safe from any number of threads.
class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Throws std::invalid_argument for a malformed template (a parameter named twice or too
  // many parameters included) or a duplicate (method, template).
  const Route& add(Method method, std::string_view route_template, Handler handler);
  const Route& add_websocket(std::string_view route_template, WebSocketHandler handler);

  RouteMatch match(Method method, std::string_view path) const;

  std::size_t route_count() const;
  const Route& route(std::size_t index) const;

 private:
  struct Pattern;
  const Route& add_route(Method method, std::string_view route_template, Handler handler,
                         WebSocketHandler websocket);
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<std::unique_ptr<Pattern>> patterns_;
};

}  // namespace glassbox::http
