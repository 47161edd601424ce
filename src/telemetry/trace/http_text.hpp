#pragma once

#include <string_view>

namespace glassbox::telemetry::trace {

// Small text rules of HTTP header values (RFC 9110) shared by the trace-context parsers and
// the OTLP/HTTP client. Pure, thread-safe, never throw.

// Removes optional whitespace (spaces and horizontal tabs) at both ends.
std::string_view trim_ows(std::string_view text) noexcept;

// ASCII case-insensitive comparison (header names, URL schemes).
bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept;
bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) noexcept;

}  // namespace glassbox::telemetry::trace
