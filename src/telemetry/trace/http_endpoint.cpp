#include "telemetry/trace/http_endpoint.hpp"

#include <charconv>
#include <stdexcept>

#include "telemetry/trace/http_text.hpp"

namespace glassbox::telemetry::trace {
namespace {

[[noreturn]] void refuse(std::string_view url, std::string_view why) {
  throw std::invalid_argument("invalid OTLP endpoint \"" + std::string(url) +
                              "\": " + std::string(why));
}

}  // namespace

HttpEndpoint parse_http_endpoint(std::string_view url) {
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      refuse(url, "spaces and control characters are not allowed");
    }
  }
  if (starts_with_ignoring_case(url, "https://")) {
    refuse(url, "https is not supported; use plain http (e.g. a local OpenTelemetry Collector)");
  }
  if (!starts_with_ignoring_case(url, "http://")) refuse(url, "it must start with http://");
  std::string_view rest = url.substr(7);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) refuse(url, "user info is not supported");

  HttpEndpoint endpoint;
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) refuse(url, "unterminated IPv6 address");
    endpoint.host.assign(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) refuse(url, "junk after the IPv6 address");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const std::size_t colon = authority.rfind(':');
    endpoint.host.assign(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (endpoint.host.empty()) refuse(url, "the host is empty");
  if (authority.find(':') != std::string_view::npos && !authority.starts_with('[') &&
      authority.find(':') != authority.rfind(':')) {
    refuse(url, "an IPv6 address must be in brackets");
  }
  if (!port_text.empty() || authority.ends_with(':')) {
    unsigned port = 0;
    const auto parsed =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || parsed.ec != std::errc() ||
        parsed.ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      refuse(url, "the port must be a number from 1 to 65535");
    }
    endpoint.port = static_cast<std::uint16_t>(port);
  }
  endpoint.target =
      target.empty() || target.starts_with('?') ? "/" + std::string(target) : std::string(target);
  endpoint.host_header = authority.starts_with('[') ? "[" + endpoint.host + "]" : endpoint.host;
  if (endpoint.port != 80) endpoint.host_header += ":" + std::to_string(endpoint.port);
  return endpoint;
}

}  // namespace glassbox::telemetry::trace
