#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace glassbox::http {

// Why the HTTP layer refused a request (or a connection) before any handler ran: the
// closed set of `reason` values of http_requests_rejected_total (docs/operations.md,
// Limits). Every value is registered at 0 at start, so a rate over it never misses.
enum class RejectReason {
  kHeaderTooLarge,      // 431: request line + fields over the limit
  kTargetTooLong,       // 414
  kBodyTooLarge,        // 413
  kBadRequest,          // 400: malformed request line or field, obs-fold, Host missing or twice
  kSmuggling,           // 400: ambiguous framing (two Content-Lengths, TE with CL, TE not chunked)
  kBadEncoding,         // 400: target with a malformed percent-escape, %00 or a raw control byte
  kTimeout,             // a request's head or body did not arrive in time (no answer, closed)
  kTooManyConnections,  // 503: the connection limit was reached (answered, closed)
};

inline constexpr std::size_t kRejectReasonCount = 8;

inline constexpr std::array<std::string_view, kRejectReasonCount> kRejectReasonNames = {
    "header_too_large", "target_too_long", "body_too_large", "bad_request",
    "smuggling",        "bad_encoding",    "timeout",        "too_many_connections"};

constexpr std::string_view reject_reason_name(RejectReason reason) {
  return kRejectReasonNames[static_cast<std::size_t>(reason)];
}

}  // namespace glassbox::http
