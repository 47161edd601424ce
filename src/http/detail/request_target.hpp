#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace glassbox::http::detail {

struct TargetParts {
  std::string_view path;   // starts with '/'
  std::string_view query;  // without the '?'
};

// Splits an origin-form target ("/a/b?x=1") or an absolute-form one
// ("http://host/a/b?x=1", which RFC 9112 3.2.2 says servers must accept) into path and
// query. nullopt for anything else, and for a path with a malformed percent-escape or
// an escaped NUL (%00), which no route can mean.
std::optional<TargetParts> split_request_target(std::string_view target);

enum class RequestLineStatus {
  kComplete,    // the request line has arrived and its target is within the limit
  kIncomplete,  // no line end yet, and there is still room for one
  kTooLong,     // the target exceeds the limit, or the line the room for one (the target
                // limit plus 64 bytes for method and version), whether it has ended or not
};

// The bytes of the empty lines (CRLF) that precede a request line, which RFC 9112 2.2 says
// a server should ignore (some clients send one after a POST body). The session drops
// them before the parser sees the request, since Beast's parser refuses them with 400.
std::size_t leading_empty_lines(std::string_view received);

// Looks at what has been read of a request so far (leading empty lines are skipped, see
// leading_empty_lines). The request line is checked on its own, before the parser sees
// the headers, because once the header-size limit trips the parser has already consumed
// the request line, and 414 (target) could no longer be told apart from 431 (headers).
RequestLineStatus check_request_line(std::string_view received, std::size_t max_target_bytes);

enum class RequestHeadStatus {
  kComplete,    // the head (request line and fields) has arrived, within the limit
  kIncomplete,  // no end of the head yet, and there is still room for one
  kTooLarge,    // the head exceeds the limit -> 431
};

struct RequestHeadCheck {
  RequestHeadStatus status = RequestHeadStatus::kIncomplete;
  std::size_t length = 0;  // when kComplete: the head's bytes, through its empty line
};

// Looks for the end of the head (its empty line) within the first `max_header_bytes` of
// what has been read, leading empty lines already dropped. The session reads until the
// whole head is there, then has the parser read exactly those bytes (parse_head): Beast's
// header limit counts from what the parser last consumed, and its first pass consumes the
// fields that are complete, so a head that arrived in one piece could pass a limit that
// one sent in parts would not (found by tests/fuzz, regressions/http_request/
// header_limit_by_arrival). A bare LF also ends a head here, so that the parser refuses
// it (400) at once rather than waiting for more.
RequestHeadCheck check_request_head(std::string_view received, std::size_t max_header_bytes);

}  // namespace glassbox::http::detail
