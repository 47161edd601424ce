#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "telemetry/log/access_record.hpp"
#include "telemetry/log/record_ring.hpp"
#include "telemetry/log/rfc3339.hpp"

// How a record waits in the RecordRing between the caller's thread and the writer thread:
// the caller copies raw values (cheap), the writer thread turns them into the JSON line.
// All functions are thread-safe except through the TimestampCache they are given.
namespace glassbox::telemetry::log {

enum class QueuedKind : std::uint8_t {
  kBody = 1,    // epoch millis, then append_record_body's text (formatted by the caller)
  kAccess = 2,  // an AccessRecord's fields, copied as they are
};

std::size_t body_payload_size(std::string_view body) noexcept;
// `out` has body_payload_size(body) bytes, 8-byte aligned.
void encode_body(char* out, std::int64_t epoch_millis, std::string_view body) noexcept;

std::size_t access_payload_size(const AccessRecord& record) noexcept;
// `out` has access_payload_size(record) bytes, 8-byte aligned.
void encode_access(char* out, std::int64_t epoch_millis, const AccessRecord& record) noexcept;

// `{"timestamp":"<timestamp>",` + body: a whole record, without the newline.
void append_body_record(std::string& out, std::string_view timestamp, std::string_view body);

// Appends the line a queued entry stands for, newline included. An entry of an unknown
// kind (which no producer makes) appends nothing.
void append_queued_record(std::string& out, const RecordRing::Entry& entry,
                          std::string_view service, TimestampCache& timestamps);

}  // namespace glassbox::telemetry::log
