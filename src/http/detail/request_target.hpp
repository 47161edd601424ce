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

// Decides between 414 and 431 for a header section that hit the size limit: true when
// the request line in `received` (what was read so far) is not complete within
// `max_target_bytes` plus room for the method and version, or its target is longer than
// `max_target_bytes`.
bool request_line_too_long(std::string_view received, std::size_t max_target_bytes);

}  // namespace glassbox::http::detail
