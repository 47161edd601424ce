#pragma once

#include <chrono>
#include <cstddef>

namespace glassbox::http {

// What one connection may cost the server. Defaults are CONTRACT.md's.
struct Limits {
  std::size_t max_header_bytes = 16 * 1024;   // request line + headers -> 431
  std::size_t max_target_bytes = 8 * 1024;    // request target -> 414
  std::size_t max_body_bytes = 1024 * 1024;   // -> 413
  std::chrono::seconds header_timeout{10};    // from a request's first byte to its last header
  std::chrono::seconds idle_timeout{60};      // keep-alive wait for the next request
  std::size_t max_connections = 10000;        // beyond: 503 and close
  std::chrono::seconds shutdown_timeout{10};  // drain bound for in-flight requests
};

}  // namespace glassbox::http
