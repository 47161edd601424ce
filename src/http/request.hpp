#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/method.hpp"
#include "telemetry/trace/trace_context.hpp"

namespace glassbox::http {

// Looks up request headers in the connection's parsed message without copying them.
class HeaderLookup {
 public:
  // The value of the first header with that name (case-insensitive), or "" when absent.
  virtual std::string_view get(std::string_view name) const = 0;

 protected:
  ~HeaderLookup() = default;
};

// Values captured from the route template's {placeholders}, in template order. Views into
// the request path: valid while the request is.
class RouteParams {
 public:
  static constexpr std::size_t kMaxParams = 8;

  void add(std::string_view name, std::string_view value) {
    if (count_ < kMaxParams) entries_[count_++] = {name, value};
  }
  std::string_view get(std::string_view name) const {
    for (std::size_t i = 0; i < count_; ++i) {
      if (entries_[i].first == name) return entries_[i].second;
    }
    return {};
  }
  // The parameter as a non-negative 64-bit integer; nullopt when absent or not one.
  std::optional<std::int64_t> get_int(std::string_view name) const {
    const std::string_view text = get(name);
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < 0) {
      return std::nullopt;
    }
    return value;
  }
  std::size_t size() const { return count_; }
  void clear() { count_ = 0; }

 private:
  std::array<std::pair<std::string_view, std::string_view>, kMaxParams> entries_{};
  std::size_t count_ = 0;
};

// One HTTP request as a handler sees it: no socket, no Beast types. Views point into the
// connection's buffers and stay valid until the handler's response has been written.
struct Request {
  Method method = Method::kGet;
  std::string_view method_text;  // as sent, e.g. "GET" or "PROPFIND"
  std::string_view target;       // raw request target, e.g. "/api/users?limit=5"
  std::string_view path;         // target without the query, not percent-decoded
  std::string_view query;        // after '?', without it; "" when none
  std::string_view body;
  RouteParams params;
  const HeaderLookup* headers = nullptr;
  std::string_view client_address;  // peer IP address, textual
  std::uint16_t server_port = 0;
  // The request's SERVER span, parent of the spans its handler starts (database calls,
  // computations). Invalid when the server runs without a tracer.
  telemetry::trace::SpanContext span_context;

  std::string_view header(std::string_view name) const {
    return headers ? headers->get(name) : std::string_view{};
  }
  // The first value of a query parameter as sent (not decoded); nullopt when absent.
  std::optional<std::string_view> raw_query_param(std::string_view name) const;
  // The first value of a query parameter, percent-decoded; nullopt when absent or when
  // its escapes are malformed (use raw_query_param to tell the two apart).
  std::optional<std::string> query_param(std::string_view name) const;
};

// Percent-decodes `text` ('+' is kept as is); nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace glassbox::http
