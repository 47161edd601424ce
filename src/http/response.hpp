#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace glassbox::http {

inline constexpr std::string_view kJsonContentType = "application/json";

// One HTTP response as a handler produces it. The session adds Date, Server,
// Content-Length and Connection; a HEAD request gets the same headers without the body.
struct Response {
  unsigned status = 200;
  std::string body;
  std::string content_type{kJsonContentType};
  std::vector<std::pair<std::string, std::string>> headers;  // Allow, Retry-After, ...
  bool close_connection = false;  // answer with Connection: close and close afterwards

  static Response json(unsigned status, std::string body) {
    Response response;
    response.status = status;
    response.body = std::move(body);
    return response;
  }
};

}  // namespace glassbox::http
