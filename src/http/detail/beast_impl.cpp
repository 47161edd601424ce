// The bodies of Asio and Beast, compiled once for the whole program (see the
// BOOST_*_SEPARATE_COMPILATION definitions in CMakeLists.txt) instead of in every file.
//
// This file alone is built with BOOST_ENABLE_ASSERT_DEBUG_HANDLER (src/http/CMakeLists.txt),
// so the Boost assertions in the bodies compiled here (the HTTP parser among them) go to
// the handler below, in builds with assertions (debug, sanitizers, fuzz) only.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/assert.hpp>
#include <boost/beast/src.hpp>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace boost {
namespace {

// Beast 1.81 asserts `n >= 5` in its chunked-body parser where 3 or 4 bytes are valid:
// the CRLF after the last chunk arriving a byte at a time. The code after the assertion
// handles that (it asks for more input), so release builds were right, and builds with
// assertions aborted the whole process on a well-formed request sent in small pieces.
// Fixed in Boost 1.86 (boostorg/beast#2861); found by tests/fuzz
// (regressions/http_request/last_chunk_in_pieces). Until Debian ships that, this one
// assertion is let through.
bool known_false_assertion(std::string_view expr, std::string_view function) {
  return expr == "n >= 5" && function.find("parse_chunk_header") != std::string_view::npos;
}

[[noreturn]] void fail(const char* expr, const char* message, const char* function,
                       const char* file, long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed%s%s\n", file, line, function, expr,
               message != nullptr ? ": " : "", message != nullptr ? message : "");
  std::abort();
}

}  // namespace

void assertion_failed(const char* expr, const char* function, const char* file, long line) {
  if (known_false_assertion(expr, function)) return;
  fail(expr, nullptr, function, file, line);
}

void assertion_failed_msg(const char* expr, const char* message, const char* function,
                          const char* file, long line) {
  fail(expr, message, function, file, line);
}

}  // namespace boost
