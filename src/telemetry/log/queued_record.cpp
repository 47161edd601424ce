#include "telemetry/log/queued_record.hpp"

#include <array>
#include <cstring>

namespace glassbox::telemetry::log {
namespace {

// An access record's fixed part; its strings follow back to back, in this order.
struct AccessHead {
  std::int64_t epoch_millis;
  double duration_ms;
  std::uint64_t response_size;
  std::int32_t status_code;
  std::array<std::uint32_t, 7> lengths;
};

std::array<std::string_view, 7> access_strings(const AccessRecord& record) {
  return {record.method,     record.endpoint, record.route,  record.client_address,
          record.user_agent, record.trace_id, record.span_id};
}

void append_access_entry(std::string& out, const char* payload, std::string_view service,
                         TimestampCache& timestamps) {
  AccessHead head;
  std::memcpy(&head, payload, sizeof(head));
  std::array<std::string_view, 7> strings;
  const char* cursor = payload + sizeof(head);
  for (std::size_t i = 0; i < strings.size(); ++i) {
    strings[i] = std::string_view(cursor, head.lengths[i]);
    cursor += head.lengths[i];
  }
  const AccessRecord record{.method = strings[0],
                            .endpoint = strings[1],
                            .route = strings[2],
                            .status_code = head.status_code,
                            .duration_ms = head.duration_ms,
                            .client_address = strings[3],
                            .user_agent = strings[4],
                            .response_size = head.response_size,
                            .trace_id = strings[5],
                            .span_id = strings[6]};
  append_access_record(out, timestamps.format(head.epoch_millis), service, record);
}

}  // namespace

std::size_t body_payload_size(std::string_view body) noexcept {
  return sizeof(std::int64_t) + body.size();
}

void encode_body(char* out, std::int64_t epoch_millis, std::string_view body) noexcept {
  std::memcpy(out, &epoch_millis, sizeof(epoch_millis));
  std::memcpy(out + sizeof(epoch_millis), body.data(), body.size());
}

std::size_t access_payload_size(const AccessRecord& record) noexcept {
  std::size_t size = sizeof(AccessHead);
  for (const std::string_view text : access_strings(record))
    size += text.size();
  return size;
}

void encode_access(char* out, std::int64_t epoch_millis, const AccessRecord& record) noexcept {
  const auto strings = access_strings(record);
  AccessHead head{.epoch_millis = epoch_millis,
                  .duration_ms = record.duration_ms,
                  .response_size = record.response_size,
                  .status_code = record.status_code,
                  .lengths = {}};
  char* cursor = out + sizeof(head);
  for (std::size_t i = 0; i < strings.size(); ++i) {
    // Each length fits: the whole payload was accepted by RecordRing::reserve (< 2 GiB).
    head.lengths[i] = static_cast<std::uint32_t>(strings[i].size());
    // An empty field (no trace id, no user agent) is often a default string_view, whose
    // data() is null, and memcpy from a null pointer is undefined even for zero bytes
    // (UBSan, nonnull-attribute): the compiler may assume the pointer valid afterwards.
    if (strings[i].empty()) continue;
    std::memcpy(cursor, strings[i].data(), strings[i].size());
    cursor += strings[i].size();
  }
  std::memcpy(out, &head, sizeof(head));
}

void append_body_record(std::string& out, std::string_view timestamp, std::string_view body) {
  out += "{\"timestamp\":\"";
  out += timestamp;
  out += "\",";
  out += body;
}

void append_queued_record(std::string& out, const RecordRing::Entry& entry,
                          std::string_view service, TimestampCache& timestamps) {
  switch (static_cast<QueuedKind>(entry.tag)) {
    case QueuedKind::kBody: {
      std::int64_t epoch_millis = 0;
      std::memcpy(&epoch_millis, entry.payload, sizeof(epoch_millis));
      const std::string_view body(entry.payload + sizeof(epoch_millis),
                                  entry.size - sizeof(epoch_millis));
      append_body_record(out, timestamps.format(epoch_millis), body);
      break;
    }
    case QueuedKind::kAccess:
      append_access_entry(out, entry.payload, service, timestamps);
      break;
    default:
      return;
  }
  out.push_back('\n');
}

}  // namespace glassbox::telemetry::log
