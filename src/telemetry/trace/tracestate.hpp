#pragma once

#include <string>
#include <string_view>

namespace glassbox::telemetry::trace {

// W3C Trace Context level 1 `tracestate` limits.
inline constexpr std::size_t kMaxTracestateMembers = 32;
inline constexpr std::size_t kTracestatePropagatedLength = 512;  // "SHOULD propagate at least"
inline constexpr std::size_t kTracestateLongMember = 128;        // truncated first

// Validates a combined `tracestate` value (several header lines joined with ",") and returns
// it in canonical form: members separated by "," with the optional whitespace and empty
// members removed, order kept. Each member must be key=value per the W3C grammar
// (simple-key, or tenant@system multi-tenant key; value of 1..256 printable ASCII characters
// other than "," and "="). Invalid input — a bad key or value, a duplicate key, more than
// 32 members — gives "" (the whole header is discarded, as W3C requires). A valid value
// longer than 512 characters is cut by whole members: those over 128 characters first, then
// from the end. Pure and thread-safe; throws only std::bad_alloc.
std::string normalize_tracestate(std::string_view combined);

// One member's key, per the W3C `key` rule. Exposed for tests.
bool valid_tracestate_key(std::string_view key) noexcept;

}  // namespace glassbox::telemetry::trace
