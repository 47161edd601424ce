#include "http/detail/response_head.hpp"

#include <boost/beast/http/status.hpp>
#include <chrono>
#include <ctime>

namespace glassbox::http::detail {
namespace {

// The IMF-fixdate of the current second, formatted once per second per thread.
std::string_view current_http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local char cached_text[40] = {};
  thread_local std::size_t cached_length = 0;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (now != cached_second) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    cached_length =
        std::strftime(cached_text, sizeof(cached_text), "%a, %d %b %Y %H:%M:%S GMT", &utc);
    cached_second = now;
  }
  return {cached_text, cached_length};
}

}  // namespace

void write_response_head(std::string& out, const Response& response, const HeadOptions& options) {
  out.clear();
  out += options.http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(response.status);
  out.push_back(' ');
  out +=
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(response.status));
  out += "\r\nDate: ";
  out += current_http_date();
  out += "\r\nServer: glassbox";
  // RFC 9110 8.6: no Content-Length (and so no body) in a 204 or 304.
  if (response.status != 204 && response.status != 304) {
    out += "\r\nContent-Type: ";
    out += response.content_type;
    out += "\r\nContent-Length: ";
    out += std::to_string(response.body.size());
  }
  if (!options.keep_alive) {
    out += "\r\nConnection: close";
  } else if (options.http10) {
    out += "\r\nConnection: keep-alive";
  }
  for (const auto& [name, value] : response.headers) {
    out += "\r\n";
    out += name;
    out += ": ";
    out += value;
  }
  out += "\r\n\r\n";
}

}  // namespace glassbox::http::detail
