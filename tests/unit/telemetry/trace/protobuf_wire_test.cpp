#include "telemetry/trace/protobuf_wire.hpp"

#include <gtest/gtest.h>

#include <string>

namespace glassbox::telemetry::trace::protobuf {
namespace {

// Examples from the protobuf encoding guide.
TEST(OtlpProtobufWire, EncodesVarintsAsTheGuideShows) {
  std::string out;
  append_varint(out, 150);
  EXPECT_EQ(out, "\x96\x01");
  out.clear();
  append_varint_field(out, 1, 150);
  EXPECT_EQ(out, "\x08\x96\x01");
  EXPECT_EQ(varint_size(0), 1u);
  EXPECT_EQ(varint_size(127), 1u);
  EXPECT_EQ(varint_size(128), 2u);
  EXPECT_EQ(varint_size(~0ULL), 10u);
}

TEST(OtlpProtobufWire, EncodesNegativeInt64InTenBytes) {
  std::string out;
  append_int64_field(out, 3, -1);
  EXPECT_EQ(out, std::string("\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11));
}

TEST(OtlpProtobufWire, EncodesFixedWidthLittleEndian) {
  std::string out;
  append_fixed64_field(out, 7, 0x0807060504030201);
  EXPECT_EQ(out, "\x39\x01\x02\x03\x04\x05\x06\x07\x08");
  out.clear();
  append_fixed32_field(out, 16, 0x301);
  EXPECT_EQ(out, std::string("\x85\x01\x01\x03\x00\x00", 6));
}

TEST(OtlpProtobufWire, EncodesLengthDelimitedFields) {
  std::string out;
  append_bytes_field(out, 2, "testing");
  EXPECT_EQ(out, "\x12\x07testing");
  EXPECT_EQ(length_delimited_size(2, 7), out.size());
  EXPECT_EQ(length_delimited_size(16, 300), 2u + 2u + 300u);
}

}  // namespace
}  // namespace glassbox::telemetry::trace::protobuf
