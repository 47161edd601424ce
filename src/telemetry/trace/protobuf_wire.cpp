#include "telemetry/trace/protobuf_wire.hpp"

#include <bit>

namespace glassbox::telemetry::trace::protobuf {
namespace {

void append_little_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

}  // namespace

std::size_t varint_size(std::uint64_t value) noexcept {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void append_tag(std::string& out, std::uint32_t field, WireType type) {
  append_varint(out, (std::uint64_t{field} << 3) | static_cast<std::uint64_t>(type));
}

std::size_t length_delimited_size(std::uint32_t field, std::size_t payload_size) noexcept {
  return varint_size(std::uint64_t{field} << 3) + varint_size(payload_size) + payload_size;
}

void append_varint_field(std::string& out, std::uint32_t field, std::uint64_t value) {
  append_tag(out, field, WireType::kVarint);
  append_varint(out, value);
}

void append_int64_field(std::string& out, std::uint32_t field, std::int64_t value) {
  append_varint_field(out, field, static_cast<std::uint64_t>(value));
}

void append_fixed64_field(std::string& out, std::uint32_t field, std::uint64_t value) {
  append_tag(out, field, WireType::kFixed64);
  append_little_endian(out, value, 8);
}

void append_fixed32_field(std::string& out, std::uint32_t field, std::uint32_t value) {
  append_tag(out, field, WireType::kFixed32);
  append_little_endian(out, value, 4);
}

void append_double_field(std::string& out, std::uint32_t field, double value) {
  append_fixed64_field(out, field, std::bit_cast<std::uint64_t>(value));
}

void append_length_prefix(std::string& out, std::uint32_t field, std::size_t payload_size) {
  append_tag(out, field, WireType::kLengthDelimited);
  append_varint(out, payload_size);
}

void append_bytes_field(std::string& out, std::uint32_t field, std::string_view bytes) {
  append_length_prefix(out, field, bytes.size());
  out.append(bytes);
}

}  // namespace glassbox::telemetry::trace::protobuf
