#pragma once

#include <string>

#include "http/response.hpp"

namespace glassbox::http::detail {

struct HeadOptions {
  bool keep_alive = true;
  bool http10 = false;  // answer an HTTP/1.0 client as HTTP/1.0
};

// Serialises the status line and headers of `response` (Date, Server, Content-Type,
// Content-Length, Connection, then the response's own headers) into `out`, replacing its
// contents. Content-Length is the body's size even for HEAD, whose body is not sent.
void write_response_head(std::string& out, const Response& response, const HeadOptions& options);

}  // namespace glassbox::http::detail
