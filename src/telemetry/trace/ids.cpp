#include "telemetry/trace/ids.hpp"

namespace glassbox::telemetry::trace {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Writes the 16 hex digits of `value` at `out`.
void write_hex64(char* out, std::uint64_t value) noexcept {
  for (int shift = 60; shift >= 0; shift -= 4)
    *out++ = kHexDigits[(value >> shift) & 0xF];
}

void append_big_endian(std::string& out, std::uint64_t value) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>((value >> (56 - 8 * i)) & 0xFF);
  }
  out.append(bytes, sizeof bytes);
}

}  // namespace

bool parse_lower_hex(std::string_view hex, std::uint64_t& value) noexcept {
  if (hex.size() > 16) return false;
  std::uint64_t result = 0;
  for (const char c : hex) {
    std::uint64_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint64_t>(c - 'a' + 10);
    } else {
      return false;
    }
    result = (result << 4) | digit;
  }
  value = result;
  return true;
}

TraceIdHex hex_chars(TraceId id) noexcept {
  TraceIdHex hex;
  write_hex64(hex.data(), id.high);
  write_hex64(hex.data() + 16, id.low);
  return hex;
}

SpanIdHex hex_chars(SpanId id) noexcept {
  SpanIdHex hex;
  write_hex64(hex.data(), id.value);
  return hex;
}

void append_hex(std::string& out, TraceId id) {
  out.append(view(hex_chars(id)));
}

void append_hex(std::string& out, SpanId id) {
  out.append(view(hex_chars(id)));
}

std::string to_hex(TraceId id) {
  std::string out;
  out.reserve(kTraceIdHexLength);
  append_hex(out, id);
  return out;
}

std::string to_hex(SpanId id) {
  std::string out;
  out.reserve(kSpanIdHexLength);
  append_hex(out, id);
  return out;
}

void append_bytes(std::string& out, TraceId id) {
  append_big_endian(out, id.high);
  append_big_endian(out, id.low);
}

void append_bytes(std::string& out, SpanId id) {
  append_big_endian(out, id.value);
}

std::optional<TraceId> parse_trace_id_hex(std::string_view hex) noexcept {
  TraceId id;
  if (hex.size() != kTraceIdHexLength || !parse_lower_hex(hex.substr(0, 16), id.high) ||
      !parse_lower_hex(hex.substr(16), id.low)) {
    return std::nullopt;
  }
  return id;
}

std::optional<SpanId> parse_span_id_hex(std::string_view hex) noexcept {
  SpanId id;
  if (hex.size() != kSpanIdHexLength || !parse_lower_hex(hex, id.value)) return std::nullopt;
  return id;
}

}  // namespace glassbox::telemetry::trace
