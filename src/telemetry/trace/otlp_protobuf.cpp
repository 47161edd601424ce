#include "telemetry/trace/otlp_protobuf.hpp"

#include <algorithm>
#include <bit>
#include <concepts>
#include <type_traits>

#include "telemetry/trace/protobuf_wire.hpp"

namespace glassbox::telemetry::trace {
namespace {

using namespace protobuf;

// Field numbers, from opentelemetry-proto.
namespace field {
constexpr std::uint32_t kRequestResourceSpans = 1;   // ExportTraceServiceRequest
constexpr std::uint32_t kResourceSpansResource = 1;  // ResourceSpans
constexpr std::uint32_t kResourceSpansScopeSpans = 2;
constexpr std::uint32_t kScopeSpansScope = 1;  // ScopeSpans
constexpr std::uint32_t kScopeSpansSpans = 2;
constexpr std::uint32_t kResourceAttributes = 1;  // Resource
constexpr std::uint32_t kScopeName = 1;           // InstrumentationScope
constexpr std::uint32_t kScopeVersion = 2;
constexpr std::uint32_t kKeyValueKey = 1;  // KeyValue
constexpr std::uint32_t kKeyValueValue = 2;
constexpr std::uint32_t kAnyString = 1;  // AnyValue (oneof value)
constexpr std::uint32_t kAnyBool = 2;
constexpr std::uint32_t kAnyInt = 3;
constexpr std::uint32_t kAnyDouble = 4;
constexpr std::uint32_t kSpanTraceId = 1;  // Span
constexpr std::uint32_t kSpanSpanId = 2;
constexpr std::uint32_t kSpanTraceState = 3;
constexpr std::uint32_t kSpanParentSpanId = 4;
constexpr std::uint32_t kSpanName = 5;
constexpr std::uint32_t kSpanKind = 6;
constexpr std::uint32_t kSpanStartTime = 7;  // fixed64
constexpr std::uint32_t kSpanEndTime = 8;    // fixed64
constexpr std::uint32_t kSpanAttributes = 9;
constexpr std::uint32_t kSpanDroppedAttributes = 10;
constexpr std::uint32_t kSpanStatus = 15;
constexpr std::uint32_t kSpanFlags = 16;     // fixed32
constexpr std::uint32_t kStatusMessage = 2;  // Status
constexpr std::uint32_t kStatusCode = 3;
}  // namespace field

// The value types an attribute holds; templates over them rather than AttributeValue, so
// that encoding a span's attributes builds and visits no variant.
template <class T>
concept AttributeType = std::same_as<T, std::string_view> || std::same_as<T, std::int64_t> ||
    std::same_as<T, double> || std::same_as<T, bool>;

template <AttributeType T>
std::size_t any_value_size(T value) noexcept {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return length_delimited_size(field::kAnyString, value.size());
  } else if constexpr (std::is_same_v<T, bool>) {
    return 2;
  } else if constexpr (std::is_same_v<T, double>) {
    return 9;
  } else {
    return 1 + varint_size(static_cast<std::uint64_t>(value));
  }
}

template <AttributeType T>
char* write_any_value(char* out, T value) noexcept {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return write_bytes_field(out, field::kAnyString, value);
  } else if constexpr (std::is_same_v<T, bool>) {
    return write_varint_field(out, field::kAnyBool, value ? 1 : 0);
  } else if constexpr (std::is_same_v<T, double>) {
    return write_little_endian(write_tag(out, field::kAnyDouble, WireType::kFixed64),
                               std::bit_cast<std::uint64_t>(value), 8);
  } else {
    return write_varint_field(out, field::kAnyInt, static_cast<std::uint64_t>(value));
  }
}

// Room a KeyValue needs: three field heads, the key, and the value with its own head.
template <AttributeType T>
std::size_t key_value_bound(std::string_view key, T value) noexcept {
  std::size_t bound = 4 * kMaxFieldHeadBytes + key.size();
  if constexpr (std::is_same_v<T, std::string_view>) bound += value.size();
  return bound;
}

// One KeyValue as a length-delimited field `field_number` of the enclosing message.
template <AttributeType T>
char* write_key_value(char* out, std::uint32_t field_number, std::string_view key,
                      T value) noexcept {
  const std::size_t value_size = any_value_size(value);
  const std::size_t size = length_delimited_size(field::kKeyValueKey, key.size()) +
                           length_delimited_size(field::kKeyValueValue, value_size);
  out = write_length_prefix(out, field_number, size);
  out = write_bytes_field(out, field::kKeyValueKey, key);
  out = write_length_prefix(out, field::kKeyValueValue, value_size);
  return write_any_value(out, value);
}

void append_key_value(std::string& out, std::uint32_t field_number, std::string_view key,
                      std::string_view value) {
  const std::size_t used = out.size();
  out.resize(used + key_value_bound(key, value));
  char* const end = write_key_value(out.data() + used, field_number, key, value);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

char* write_big_endian(char* out, std::uint64_t value) noexcept {
  for (int shift = 56; shift >= 0; shift -= 8) {
    *out++ = static_cast<char>((value >> shift) & 0xFF);
  }
  return out;
}

char* write_id_field(char* out, std::uint32_t field_number, TraceId id) noexcept {
  return write_big_endian(write_big_endian(write_length_prefix(out, field_number, 16), id.high),
                          id.low);
}

char* write_id_field(char* out, std::uint32_t field_number, SpanId id) noexcept {
  return write_big_endian(write_length_prefix(out, field_number, 8), id.value);
}

// Writes a message at the end of a reused buffer: room() before each group of fields (the
// buffer only grows, so after the first spans it never allocates), commit() after.
class MessageWriter {
 public:
  explicit MessageWriter(std::string& buffer) : buffer_(buffer) {}
  char* room(std::size_t bytes) {
    if (buffer_.size() < used_ + bytes) buffer_.resize(std::max(2 * buffer_.size(), used_ + bytes));
    return buffer_.data() + used_;
  }
  void commit(const char* end) noexcept { used_ = static_cast<std::size_t>(end - buffer_.data()); }
  std::string_view written() const noexcept { return {buffer_.data(), used_}; }

 private:
  std::string& buffer_;
  std::size_t used_ = 0;
};

}  // namespace

OtlpProtobufEncoder::OtlpProtobufEncoder(const Resource& resource, std::string_view scope_version) {
  for (const auto& [key, value] : resource.attributes) {
    append_key_value(resource_, field::kResourceAttributes, key, std::string_view(value));
  }
  append_bytes_field(scope_, field::kScopeName, kInstrumentationScopeName);
  if (!scope_version.empty()) append_bytes_field(scope_, field::kScopeVersion, scope_version);
}

std::string_view OtlpProtobufEncoder::encode_span(const SpanData& span) {
  MessageWriter writer(span_);
  // Ids, tracestate, parent, name, kind, times: eight field heads and their payloads.
  char* out =
      writer.room(8 * kMaxFieldHeadBytes + 48 + span.context.trace_state.size() + span.name.size());
  out = write_id_field(out, field::kSpanTraceId, span.context.trace_id);
  out = write_id_field(out, field::kSpanSpanId, span.context.span_id);
  if (!span.context.trace_state.empty()) {
    out = write_bytes_field(out, field::kSpanTraceState, span.context.trace_state);
  }
  if (span.parent_span_id.valid()) {
    out = write_id_field(out, field::kSpanParentSpanId, span.parent_span_id);
  }
  out = write_bytes_field(out, field::kSpanName, span.name);
  out = write_varint_field(out, field::kSpanKind, static_cast<std::uint64_t>(span.kind));
  out = write_little_endian(write_tag(out, field::kSpanStartTime, WireType::kFixed64),
                            span.start_unix_nanos, 8);
  out = write_little_endian(write_tag(out, field::kSpanEndTime, WireType::kFixed64),
                            span.end_unix_nanos, 8);
  writer.commit(out);
  span.attributes.for_each([&writer](std::string_view key, auto value) {
    char* const at = writer.room(key_value_bound(key, value));
    writer.commit(write_key_value(at, field::kSpanAttributes, key, value));
  });
  // Dropped count, status (three heads), flags.
  out = writer.room(5 * kMaxFieldHeadBytes + 4 + span.status_message.size());
  if (span.attributes.dropped() > 0) {
    out = write_varint_field(out, field::kSpanDroppedAttributes, span.attributes.dropped());
  }
  if (span.status != StatusCode::kUnset) {
    const auto code = static_cast<std::uint64_t>(span.status);
    std::size_t size = 1 + varint_size(code);
    if (!span.status_message.empty()) {
      size += length_delimited_size(field::kStatusMessage, span.status_message.size());
    }
    out = write_length_prefix(out, field::kSpanStatus, size);
    if (!span.status_message.empty()) {
      out = write_bytes_field(out, field::kStatusMessage, span.status_message);
    }
    out = write_varint_field(out, field::kStatusCode, code);
  }
  out = write_little_endian(write_tag(out, field::kSpanFlags, WireType::kFixed32),
                            otlp_span_flags(span), 4);
  writer.commit(out);
  return writer.written();
}

void OtlpProtobufEncoder::encode(SpanBatch spans, std::string& out) {
  out.clear();
  if (spans.empty()) return;
  scope_spans_.clear();
  append_bytes_field(scope_spans_, field::kScopeSpansScope, scope_);
  for (const auto& span : spans) {
    append_bytes_field(scope_spans_, field::kScopeSpansSpans, encode_span(*span));
  }
  const std::size_t resource_spans_size =
      length_delimited_size(field::kResourceSpansResource, resource_.size()) +
      length_delimited_size(field::kResourceSpansScopeSpans, scope_spans_.size());
  out.reserve(length_delimited_size(field::kRequestResourceSpans, resource_spans_size));
  append_length_prefix(out, field::kRequestResourceSpans, resource_spans_size);
  append_bytes_field(out, field::kResourceSpansResource, resource_);
  append_bytes_field(out, field::kResourceSpansScopeSpans, scope_spans_);
}

}  // namespace glassbox::telemetry::trace
