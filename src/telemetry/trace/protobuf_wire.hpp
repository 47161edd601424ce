#pragma once

#include <cstdint>
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

std::size_t varint_size(std::uint64_t value) noexcept;
void append_varint(std::string& out, std::uint64_t value);
void append_tag(std::string& out, std::uint32_t field, WireType type);

// A length-delimited field's size on the wire: tag + length prefix + payload.
std::size_t length_delimited_size(std::uint32_t field, std::size_t payload_size) noexcept;

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

}  // namespace glassbox::telemetry::trace::protobuf
