#pragma once

#include <string>
#include <string_view>

namespace glassbox::telemetry::log {

// Appends `text` to `out` as a JSON string literal, quotes included. Control characters
// (and DEL), quotes and backslashes are escaped and invalid UTF-8 is replaced by U+FFFD, so
// whatever bytes a client sends (a crafted path, a user agent with a newline) the result is
// one valid JSON string that cannot end the line or forge a field.
//
// Thread-safe (no shared state); never throws except std::bad_alloc from `out`.
void append_json_string(std::string& out, std::string_view text);

}  // namespace glassbox::telemetry::log
