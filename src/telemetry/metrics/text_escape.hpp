#pragma once

#include <string>
#include <string_view>

// Escaping for the two exposition formats. Both require valid UTF-8; label values and HELP
// texts are made valid once, at registration, with to_valid_utf8().
namespace glassbox::telemetry::metrics {

bool is_valid_utf8(std::string_view text);

// `text` with every invalid UTF-8 sequence (stray continuation bytes, overlong forms,
// surrogates, code points above U+10FFFF, truncated sequences) replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

// Label values, in both formats: backslash -> \\, double quote -> \", line feed -> \n.
// Every other byte, NUL and UTF-8 included, is copied as it is.
void append_escaped_label_value(std::string& out, std::string_view value);

// HELP text in the text format 0.0.4: backslash -> \\, line feed -> \n (quotes stay).
void append_escaped_help_text(std::string& out, std::string_view help);

// HELP text in OpenMetrics: like a label value (its ABNF uses the same escaped-string).
void append_escaped_help_openmetrics(std::string& out, std::string_view help);

}  // namespace glassbox::telemetry::metrics
