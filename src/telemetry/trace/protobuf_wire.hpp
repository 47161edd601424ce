#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace glassbox::telemetry::trace::protobuf {

// Protocol Buffers wire encoding (https://protobuf.dev/programming-guides/encoding/): the
// few primitives the OTLP encoder needs. Each appends to `out`; pure, never throws except
// std::bad_alloc.
enum class WireType : std::uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kFixed32 = 5,
};

// Inline and branch-free: the encoder asks for sizes several times per attribute.
constexpr std::size_t varint_size(std::uint64_t value) noexcept {
  // 7 bits per byte; 0 still takes one byte.
  return (static_cast<std::size_t>(std::bit_width(value | 1)) + 6) / 7;
}
void append_varint(std::string& out, std::uint64_t value);
void append_tag(std::string& out, std::uint32_t field, WireType type);

// A length-delimited field's size on the wire: tag + length prefix + payload.
constexpr std::size_t length_delimited_size(std::uint32_t field,
                                            std::size_t payload_size) noexcept {
  return varint_size(std::uint64_t{field} << 3) + varint_size(payload_size) + payload_size;
}

void append_varint_field(std::string& out, std::uint32_t field, std::uint64_t value);
// int64 as proto3 encodes it: two's complement, so a negative value takes ten bytes.
void append_int64_field(std::string& out, std::uint32_t field, std::int64_t value);
void append_fixed64_field(std::string& out, std::uint32_t field, std::uint64_t value);
void append_fixed32_field(std::string& out, std::uint32_t field, std::uint32_t value);
void append_double_field(std::string& out, std::uint32_t field, double value);
// A string, bytes, or an already-encoded embedded message.
void append_bytes_field(std::string& out, std::uint32_t field, std::string_view bytes);
// Only the tag and length of a length-delimited field whose payload the caller appends next.
void append_length_prefix(std::string& out, std::uint32_t field, std::size_t payload_size);

// The same primitives writing at a raw position the caller has made room for (see the
// bounds), returning the position after what they wrote: for encoders of many small fields,
// where a std::string append per field costs more than the encoding itself.
constexpr std::size_t kMaxVarintBytes = 10;
// Room a field with a tag and a varint (or a length prefix) needs, payload not included.
constexpr std::size_t kMaxFieldHeadBytes = 2 * kMaxVarintBytes;

inline char* write_varint(char* out, std::uint64_t value) noexcept {
  while (value >= 0x80) {
    *out++ = static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<char>(value);
  return out;
}

inline char* write_tag(char* out, std::uint32_t field, WireType type) noexcept {
  return write_varint(out, (std::uint64_t{field} << 3) | static_cast<std::uint64_t>(type));
}

inline char* write_varint_field(char* out, std::uint32_t field, std::uint64_t value) noexcept {
  return write_varint(write_tag(out, field, WireType::kVarint), value);
}

inline char* write_little_endian(char* out, std::uint64_t value, int bytes) noexcept {
  for (int i = 0; i < bytes; ++i) {
    *out++ = static_cast<char>((value >> (8 * i)) & 0xFF);
  }
  return out;
}

inline char* write_length_prefix(char* out, std::uint32_t field, std::size_t size) noexcept {
  return write_varint(write_tag(out, field, WireType::kLengthDelimited), size);
}

// Room: kMaxFieldHeadBytes + bytes.size().
inline char* write_bytes_field(char* out, std::uint32_t field, std::string_view bytes) noexcept {
  out = write_length_prefix(out, field, bytes.size());
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  return out + bytes.size();
}

}  // namespace glassbox::telemetry::trace::protobuf
