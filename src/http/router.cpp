#include "http/router.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace glassbox::http {
namespace {

constexpr std::size_t kMaxIntDigits = 18;  // always fits in int64

enum class SegmentKind { kLiteral, kAny, kInt };

struct Segment {
  SegmentKind kind = SegmentKind::kLiteral;
  std::string text;  // the literal, or the parameter name
};

// Splits "/a/b" into {"a","b"}; "/" into {""}. The path must start with '/'.
template <class Visitor>
bool for_each_segment(std::string_view path, Visitor&& visit) {
  if (path.empty() || path.front() != '/') return false;
  std::size_t start = 1;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!visit(segment)) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool is_identifier(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool all_digits(std::string_view text) {
  if (text.empty() || text.size() > kMaxIntDigits) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

// All routes that share one template, whatever their method.
struct Router::Pattern {
  std::string route_template;
  std::vector<Segment> segments;
  std::array<const Route*, kMethodCount> by_method{};
  std::string allow;  // "GET, HEAD, POST"
  int literal_count = 0;

  bool matches(std::string_view path, RouteParams& params) const {
    params.clear();
    std::size_t position = 0;
    const bool whole = for_each_segment(path, [&](std::string_view value) {
      if (position >= segments.size()) return false;
      const Segment& segment = segments[position++];
      switch (segment.kind) {
        case SegmentKind::kLiteral:
          return value == segment.text;
        case SegmentKind::kAny:
          if (value.empty()) return false;
          params.add(segment.text, value);
          return true;
        case SegmentKind::kInt:
          if (!all_digits(value)) return false;
          params.add(segment.text, value);
          return true;
      }
      return false;
    });
    return whole && position == segments.size();
  }

  void rebuild_allow() {
    allow.clear();
    const bool has_get = by_method[static_cast<std::size_t>(Method::kGet)] != nullptr;
    for (std::size_t i = 0; i < kMethodCount; ++i) {
      const bool present =
          by_method[i] != nullptr || (static_cast<Method>(i) == Method::kHead && has_get);
      if (!present) continue;
      if (!allow.empty()) allow += ", ";
      allow += method_name(static_cast<Method>(i));
    }
  }
};

Router::Router() = default;
Router::~Router() = default;

const Route& Router::add(Method method, std::string_view route_template, Handler handler) {
  if (!handler) throw std::invalid_argument("route handler is empty");
  return add_route(method, route_template, std::move(handler), {});
}

const Route& Router::add_websocket(std::string_view route_template, WebSocketHandler handler) {
  if (!handler.on_open) throw std::invalid_argument("WebSocket route needs on_open");
  return add_route(Method::kGet, route_template, {}, std::move(handler));
}

const Route& Router::add_route(Method method, std::string_view route_template, Handler handler,
                               WebSocketHandler websocket) {
  if (method == Method::kOther) throw std::invalid_argument("cannot route method OTHER");
  std::vector<Segment> segments;
  std::string label;
  const bool parsed = for_each_segment(route_template, [&](std::string_view text) {
    Segment segment;
    label += '/';
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
      std::string_view inner = text.substr(1, text.size() - 2);
      segment.kind = SegmentKind::kAny;
      if (const std::size_t colon = inner.find(':'); colon != std::string_view::npos) {
        if (inner.substr(colon + 1) != "int") return false;
        segment.kind = SegmentKind::kInt;
        inner = inner.substr(0, colon);
      }
      if (!is_identifier(inner)) return false;
      segment.text = std::string(inner);
      label += '{';
      label += inner;
      label += '}';
    } else {
      if (text.find_first_of("{}") != std::string_view::npos) return false;
      segment.text = std::string(text);
      label += text;
    }
    segments.push_back(std::move(segment));
    return true;
  });
  if (!parsed) {
    throw std::invalid_argument("malformed route template: " + std::string(route_template));
  }
  // Found by tests/fuzz (regressions/route_match/duplicate_parameter_name): a handler looks
  // parameters up by name and RouteParams keeps at most kMaxParams, so a template with a
  // name twice, or with more placeholders, would hand its handler the wrong or no value.
  std::vector<std::string_view> names;
  for (const Segment& segment : segments) {
    if (segment.kind == SegmentKind::kLiteral) continue;
    if (std::find(names.begin(), names.end(), segment.text) != names.end()) {
      throw std::invalid_argument("route parameter named twice: " + std::string(route_template));
    }
    names.push_back(segment.text);
  }
  if (names.size() > RouteParams::kMaxParams) {
    throw std::invalid_argument("more than " + std::to_string(RouteParams::kMaxParams) +
                                " route parameters: " + std::string(route_template));
  }

  Pattern* pattern = nullptr;
  for (const auto& existing : patterns_) {
    if (existing->route_template == route_template) pattern = existing.get();
  }
  if (pattern == nullptr) {
    auto created = std::make_unique<Pattern>();
    created->route_template = std::string(route_template);
    created->segments = std::move(segments);
    for (const Segment& segment : created->segments) {
      if (segment.kind == SegmentKind::kLiteral) ++created->literal_count;
    }
    pattern = created.get();
    // More literal segments first, so /api/users/me would win over /api/users/{id}.
    auto position = patterns_.begin();
    while (position != patterns_.end() && (*position)->literal_count >= pattern->literal_count) {
      ++position;
    }
    patterns_.insert(position, std::move(created));
  }
  auto& slot = pattern->by_method[static_cast<std::size_t>(method)];
  if (slot != nullptr) {
    throw std::invalid_argument("duplicate route: " + std::string(method_name(method)) + " " +
                                std::string(route_template));
  }

  auto route = std::make_unique<Route>();
  route->index = routes_.size();
  route->method = method;
  route->route_template = std::string(route_template);
  route->label = std::move(label);
  route->handler = std::move(handler);
  route->websocket = std::move(websocket);
  slot = route.get();
  pattern->rebuild_allow();
  routes_.push_back(std::move(route));
  return *routes_.back();
}

RouteMatch Router::match(Method method, std::string_view path) const {
  RouteMatch result;
  const Pattern* path_match = nullptr;
  for (const auto& pattern : patterns_) {
    if (!pattern->matches(path, result.params)) continue;
    const Route* route = pattern->by_method[static_cast<std::size_t>(method)];
    if (route == nullptr && method == Method::kHead) {
      route = pattern->by_method[static_cast<std::size_t>(Method::kGet)];
    }
    if (route != nullptr) {
      result.outcome = MatchOutcome::kMatched;
      result.route = route;
      return result;
    }
    if (path_match == nullptr) path_match = pattern.get();
  }
  result.params.clear();
  if (path_match != nullptr) {
    result.outcome = MatchOutcome::kMethodNotAllowed;
    result.allow = path_match->allow;
  }
  return result;
}

std::size_t Router::route_count() const {
  return routes_.size();
}

const Route& Router::route(std::size_t index) const {
  return *routes_.at(index);
}

}  // namespace glassbox::http
