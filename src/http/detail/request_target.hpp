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
  kTooLong,     // the target exceeds the limit (or no line end within the room for one)
};

// Looks at what has been read of a request so far (leading empty lines are skipped, as
// RFC 9112 2.2 allows). The request line is checked on its own, before the parser sees
// the headers, because once the header-size limit trips the parser has already consumed
// the request line, and 414 (target) could no longer be told apart from 431 (headers).
RequestLineStatus check_request_line(std::string_view received, std::size_t max_target_bytes);

}  // namespace glassbox::http::detail
