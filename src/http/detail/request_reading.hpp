#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string_view>

#include "http/limits.hpp"
#include "http/rejection.hpp"
#include "http/response.hpp"

// What the session decides about the bytes of a request before any route sees it, kept
// apart from the socket so that the fuzz target (tests/fuzz/http_request_fuzz.cpp) feeds
// bytes through exactly the same rules. Pure functions; thread-safe.
namespace glassbox::http::detail {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
using RequestMessage = RequestParser::value_type;

// Sets the header limit (request line + fields, 431) and the body limit (413) on a fresh
// parser. Beast's defaults (8 KiB, 1 MiB) are never what a session runs with.
void apply_limits(RequestParser& parser, const Limits& limits);

// Has the parser read the head `head` (all of it, as check_request_head delimited it; the
// parser copies what it keeps). When the parser would need more bytes than that, the head
// ends where the parser sees no end (a bare LF): bad_line_ending, which is a 400. A head
// with obsolete line folding (a field line that starts with a space or tab) is refused
// before the parser sees it (bad_field, a 400): Beast would join the lines, and RFC 9112
// 5.2 lets a server either do that or answer 400; refusing leaves no room for a proxy in
// front to read the field differently.
boost::beast::error_code parse_head(RequestParser& parser, std::string_view head);

// The answer to a read that failed with `error`, sent before the connection is closed; or
// nullopt when there is nobody to answer (the client went away or went silent, the server
// is stopping, a socket error). The session has checked the request line and the size of
// the head before the parser runs (check_request_line, check_request_head), so the
// parser's own header limit is a second line only: 431 as well.
std::optional<Response> response_for_read_error(const boost::beast::error_code& error);

// The http_requests_rejected_total reason of a read that failed with `error` (for one
// response_for_read_error answers, or a timeout).
RejectReason rejection_reason(const boost::beast::error_code& error);

struct HeadRefusal {
  Response response;
  RejectReason reason;
};

// Refusals for a head the parser accepted, each answered and followed by a close: a
// target over the limit (414); framing that a proxy could read differently (400, RFC 9112
// 6.1 and 6.3: request smuggling) — both Transfer-Encoding and Content-Length, a
// Transfer-Encoding other than one "chunked" (Beast reads "gzip" as no body at all and
// "chunked, chunked" as chunked), any Transfer-Encoding in HTTP/1.0; and an HTTP/1.1
// request without exactly one Host (400, RFC 9112 3.2). nullopt when the request may go
// on to its body and its route.
std::optional<HeadRefusal> check_head(const RequestMessage& message, const Limits& limits);

// check_head's answer alone.
std::optional<Response> refuse_head(const RequestMessage& message, const Limits& limits);

}  // namespace glassbox::http::detail
