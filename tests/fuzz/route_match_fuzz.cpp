// The route matcher, against a plain reference written from router.hpp's contract. The
// router starts with the service's own templates; the input is lines, each either
// "+METHOD /template" (register one more) or "METHOD /path" (match it):
//
//   +GET /api/users/me
//   GET /api/users/me
//   HEAD /api/users/42
//
// Checked: registration succeeds exactly for well-formed, new (method, template) pairs; a
// match picks the route the contract says (most literal segments first, then the earliest
// registered, HEAD served by GET); every placeholder's value is the path segment it stood
// for; 405 comes with the Allow of the first template that matched the path.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "http/router.hpp"

namespace {

namespace http = glassbox::http;
using http::Method;

constexpr std::size_t kMaxLines = 256;
constexpr std::size_t kMaxIntDigits = 18;

struct Segment {
  enum class Kind { kLiteral, kAny, kInt } kind = Kind::kLiteral;
  std::string_view text;  // the literal, or the parameter name
};

// "/a/b" -> {"a","b"}; "/" -> {""}; nullopt-like empty result with `ok` false when the text
// does not start with '/'.
std::vector<std::string_view> split_segments(std::string_view path, bool& ok) {
  std::vector<std::string_view> segments;
  ok = !path.empty() && path.front() == '/';
  if (!ok) return segments;
  path.remove_prefix(1);
  while (true) {
    const std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

bool is_identifier(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.size() <= kMaxIntDigits &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The template grammar of router.hpp; false for a malformed template.
bool parse_template(std::string_view route_template, std::vector<Segment>& segments) {
  bool ok = false;
  const auto texts = split_segments(route_template, ok);
  if (!ok) return false;
  for (std::string_view text : texts) {
    Segment segment;
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
      std::string_view inner = text.substr(1, text.size() - 2);
      segment.kind = Segment::Kind::kAny;
      if (const std::size_t colon = inner.find(':'); colon != std::string_view::npos) {
        if (inner.substr(colon + 1) != "int") return false;
        segment.kind = Segment::Kind::kInt;
        inner = inner.substr(0, colon);
      }
      if (!is_identifier(inner)) return false;
      segment.text = inner;
    } else {
      if (text.find_first_of("{}") != std::string_view::npos) return false;
      segment.text = text;
    }
    segments.push_back(segment);
  }
  // Each parameter name once, and no more of them than RouteParams can hold.
  std::vector<std::string_view> names;
  for (const Segment& segment : segments) {
    if (segment.kind == Segment::Kind::kLiteral) continue;
    if (std::find(names.begin(), names.end(), segment.text) != names.end()) return false;
    names.push_back(segment.text);
  }
  return names.size() <= http::RouteParams::kMaxParams;
}

struct Pattern {
  std::string route_template;
  std::vector<Segment> segments;  // views into route_template
  std::array<const http::Route*, http::kMethodCount> by_method{};
  std::size_t literals = 0;
};

bool matches(const Pattern& pattern, const std::vector<std::string_view>& path) {
  if (pattern.segments.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const Segment& segment = pattern.segments[i];
    const bool ok = segment.kind == Segment::Kind::kLiteral ? path[i] == segment.text
                    : segment.kind == Segment::Kind::kAny   ? !path[i].empty()
                                                            : all_digits(path[i]);
    if (!ok) return false;
  }
  return true;
}

std::string allow_of(const Pattern& pattern) {
  std::string allow;
  const bool has_get = pattern.by_method[static_cast<std::size_t>(Method::kGet)] != nullptr;
  for (std::size_t i = 0; i < http::kMethodCount; ++i) {
    const bool head_by_get = static_cast<Method>(i) == Method::kHead && has_get;
    if (pattern.by_method[i] == nullptr && !head_by_get) continue;
    if (!allow.empty()) allow += ", ";
    allow += http::method_name(static_cast<Method>(i));
  }
  return allow;
}

http::Handler no_handler() {
  return
      [](http::Request&) -> boost::asio::awaitable<http::Response> { co_return http::Response{}; };
}

class Model {
 public:
  // Registers in the router and, when the router accepts it, in the model.
  void add(Method method, std::string_view route_template) {
    std::vector<Segment> segments;
    const bool well_formed = parse_template(route_template, segments);
    Pattern* existing = find(route_template);
    const bool duplicate =
        existing != nullptr && existing->by_method[static_cast<std::size_t>(method)] != nullptr;
    const bool expected = well_formed && !duplicate && method != Method::kOther;

    const http::Route* route = nullptr;
    try {
      route = &router_.add(method, route_template, no_handler());
    } catch (const std::invalid_argument&) {
      FUZZ_CHECK(!expected);
      return;
    }
    FUZZ_CHECK(expected);
    FUZZ_CHECK(route->method == method);
    FUZZ_CHECK(route->route_template == route_template);
    FUZZ_CHECK(route->index + 1 == router_.route_count());
    if (existing == nullptr) {
      patterns_.push_back(std::make_unique<Pattern>());
      existing = patterns_.back().get();
      existing->route_template = std::string(route_template);
      std::vector<Segment> own;
      parse_template(existing->route_template, own);  // views into the pattern's own copy
      existing->segments = std::move(own);
      existing->literals = static_cast<std::size_t>(
          std::count_if(existing->segments.begin(), existing->segments.end(),
                        [](const Segment& s) { return s.kind == Segment::Kind::kLiteral; }));
    }
    existing->by_method[static_cast<std::size_t>(method)] = route;
    check_label(*route, *existing);
  }

  void match(Method method, std::string_view path) const {
    const http::RouteMatch actual = router_.match(method, path);
    bool ok = false;
    const auto segments = split_segments(path, ok);

    // The reference: patterns by literal count (most first), then in registration order.
    std::vector<const Pattern*> ordered;
    for (const auto& pattern : patterns_)
      ordered.push_back(pattern.get());
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const Pattern* a, const Pattern* b) { return a->literals > b->literals; });
    const Pattern* first_path_match = nullptr;
    for (const Pattern* pattern : ordered) {
      if (!ok || !matches(*pattern, segments)) continue;
      const http::Route* route = pattern->by_method[static_cast<std::size_t>(method)];
      if (route == nullptr && method == Method::kHead) {
        route = pattern->by_method[static_cast<std::size_t>(Method::kGet)];
      }
      if (route != nullptr) {
        FUZZ_CHECK(actual.outcome == http::MatchOutcome::kMatched);
        FUZZ_CHECK(actual.route == route);
        check_params(actual, *pattern, segments);
        return;
      }
      if (first_path_match == nullptr) first_path_match = pattern;
    }
    FUZZ_CHECK(actual.route == nullptr);
    FUZZ_CHECK(actual.params.size() == 0);
    if (first_path_match == nullptr) {
      FUZZ_CHECK(actual.outcome == http::MatchOutcome::kNotFound);
      return;
    }
    FUZZ_CHECK(actual.outcome == http::MatchOutcome::kMethodNotAllowed);
    FUZZ_CHECK(actual.allow == allow_of(*first_path_match));
  }

 private:
  Pattern* find(std::string_view route_template) {
    for (const auto& pattern : patterns_) {
      if (pattern->route_template == route_template) return pattern.get();
    }
    return nullptr;
  }

  // The label is the template without parameter types: "/api/users/{id}".
  static void check_label(const http::Route& route, const Pattern& pattern) {
    std::string label;
    for (const Segment& segment : pattern.segments) {
      label += '/';
      if (segment.kind == Segment::Kind::kLiteral) {
        label += segment.text;
      } else {
        label += '{';
        label += segment.text;
        label += '}';
      }
    }
    FUZZ_CHECK(route.label == label);
  }

  // Every placeholder hands its handler the segment it matched, by its name.
  static void check_params(const http::RouteMatch& match, const Pattern& pattern,
                           const std::vector<std::string_view>& path) {
    std::size_t placeholders = 0;
    for (std::size_t i = 0; i < pattern.segments.size(); ++i) {
      const Segment& segment = pattern.segments[i];
      if (segment.kind == Segment::Kind::kLiteral) continue;
      ++placeholders;
      FUZZ_CHECK(match.params.get(segment.text) == path[i]);
      if (segment.kind == Segment::Kind::kInt) {
        FUZZ_CHECK(match.params.get_int(segment.text).has_value());
      }
    }
    FUZZ_CHECK(match.params.size() == placeholders);
  }

  http::Router router_;
  std::vector<std::unique_ptr<Pattern>> patterns_;  // in registration order
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Model model;
  // The service's routes (src/app/api/*_routes.cpp), as a baseline to match against.
  model.add(Method::kGet, "/health");
  model.add(Method::kGet, "/ready");
  model.add(Method::kGet, "/metrics");
  model.add(Method::kPost, "/api/users");
  model.add(Method::kGet, "/api/users");
  model.add(Method::kGet, "/api/users/{id:int}");
  model.add(Method::kPut, "/api/users/{id:int}");
  model.add(Method::kDelete, "/api/users/{id:int}");
  model.add(Method::kGet, "/compute/{n}");
  model.add(Method::kGet, "/ws/events");

  for (std::size_t lines = 0; !input.empty() && lines < kMaxLines; ++lines) {
    const std::size_t newline = input.find('\n');
    std::string_view line = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
    const bool registers = line.starts_with('+');
    if (registers) line.remove_prefix(1);
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    const Method method = http::parse_method(line.substr(0, space));
    const std::string_view text = line.substr(space + 1);
    if (registers) {
      model.add(method, text);
    } else {
      model.match(method, text);
    }
  }
  return 0;
}
