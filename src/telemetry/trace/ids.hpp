#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace glassbox::telemetry::trace {

// A W3C / OpenTelemetry trace id: 16 bytes, `high` holding the first 8 (big-endian), so the
// hex form is high's 16 digits then low's. All zero is the "invalid" id.
struct TraceId {
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  bool valid() const noexcept { return high != 0 || low != 0; }
  friend bool operator==(const TraceId&, const TraceId&) = default;
};

// A span (parent) id: 8 bytes, big-endian in `value`. Zero is the "invalid" id and means
// "no parent" where a parent id is expected.
struct SpanId {
  std::uint64_t value = 0;

  bool valid() const noexcept { return value != 0; }
  friend bool operator==(const SpanId&, const SpanId&) = default;
};

inline constexpr std::size_t kTraceIdHexLength = 32;
inline constexpr std::size_t kSpanIdHexLength = 16;

// Lowercase hex, as traceparent, OTLP/JSON and the logs write ids. Pure; never fail.
void append_hex(std::string& out, TraceId id);
void append_hex(std::string& out, SpanId id);
std::string to_hex(TraceId id);
std::string to_hex(SpanId id);

// The same lowercase hex in fixed-size buffers, for hot paths that must not allocate (a
// 32-character std::string does not fit the small-string buffer).
using TraceIdHex = std::array<char, kTraceIdHexLength>;
using SpanIdHex = std::array<char, kSpanIdHexLength>;
TraceIdHex hex_chars(TraceId id) noexcept;
SpanIdHex hex_chars(SpanId id) noexcept;
inline std::string_view view(const TraceIdHex& hex) {
  return {hex.data(), hex.size()};
}
inline std::string_view view(const SpanIdHex& hex) {
  return {hex.data(), hex.size()};
}

// The raw big-endian bytes (16 or 8), as OTLP/protobuf carries ids.
void append_bytes(std::string& out, TraceId id);
void append_bytes(std::string& out, SpanId id);

// Exactly 32 / 16 lowercase hex digits (W3C HEXDIGLC). Anything else, upper case included,
// gives nullopt. An all-zero id parses (the caller decides; W3C calls it invalid).
std::optional<TraceId> parse_trace_id_hex(std::string_view hex) noexcept;
std::optional<SpanId> parse_span_id_hex(std::string_view hex) noexcept;

// Parses `hex.size()` (at most 16) lowercase hex digits into an integer; false on any other
// character. Shared by the id and traceparent parsers.
bool parse_lower_hex(std::string_view hex, std::uint64_t& value) noexcept;

}  // namespace glassbox::telemetry::trace
