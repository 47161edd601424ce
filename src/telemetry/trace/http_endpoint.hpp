#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace glassbox::telemetry::trace {

// Where an OTLP/HTTP exporter sends: host, port, request target, Host header.
struct HttpEndpoint {
  std::string host;  // a name or an IP literal (IPv6 without brackets)
  std::uint16_t port = 80;
  std::string target = "/";  // path and query, as sent on the request line
  std::string host_header;   // "host" or "host:port", IPv6 in brackets

  friend bool operator==(const HttpEndpoint&, const HttpEndpoint&) = default;
};

// Parses "http://host[:port][/path][?query]" (scheme case-insensitive; a fragment is
// dropped; no path means "/"). Plain HTTP only: an https URL is refused with a message
// saying so, as are user info, an empty host, a bad port, spaces or control characters.
// Throws std::invalid_argument whose what() names the problem; meant for start-up.
HttpEndpoint parse_http_endpoint(std::string_view url);

}  // namespace glassbox::telemetry::trace
