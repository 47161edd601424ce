#include "telemetry/log/logger.hpp"

#include <utility>

#include "telemetry/log/queued_record.hpp"

namespace glassbox::telemetry::log {
namespace {

// A scratch buffer per calling thread, so that write() does not allocate once warm; one
// that grew for an outsized record is given back.
constexpr std::size_t kScratchKeep = std::size_t{64} << 10;

void trim(std::string& scratch) {
  if (scratch.capacity() > kScratchKeep) std::string().swap(scratch);
}

// Queues a record (`encode` copies it into its reserved room), drops and counts it when
// the buffer is full, or writes it at once (`format` makes the line) once stopped.
template <typename Encode, typename Format>
void enqueue(AsyncLineWriter& writer, QueuedKind kind, std::size_t payload_size, Encode encode,
             Format format) {
  const RecordRing::Reservation reservation = writer.reserve(payload_size);
  switch (reservation.status) {
    case RecordRing::Status::kReserved:
      encode(reservation.payload);
      writer.commit(reservation, static_cast<std::uint8_t>(kind));
      return;
    case RecordRing::Status::kClosed: {
      std::string line;
      format(line);
      line.push_back('\n');
      writer.write_now(line);
      return;
    }
    case RecordRing::Status::kFull:
    case RecordRing::Status::kTooLarge:
      writer.count_drop();
      return;
  }
}

}  // namespace

Logger::Logger(std::string service_name, Level minimum_level, LoggerOptions options)
    : service_name_(std::move(service_name)),
      minimum_level_(minimum_level),
      clock_(options.clock),
      writer_(
          AsyncLineWriterOptions{.fd = options.fd,
                                 .ring_bytes = options.buffer_bytes,
                                 .batch_bytes = options.batch_bytes,
                                 .dropped_counter = options.dropped_counter},
          [this](std::string& out, const RecordRing::Entry& entry) { format_queued(out, entry); }) {
}

Logger::~Logger() {
  writer_.stop();
}

void Logger::format_queued(std::string& out, const RecordRing::Entry& entry) {
  append_queued_record(out, entry, service_name_, writer_timestamps_);
}

void Logger::write(Level level, std::string_view logger_name, std::string_view message,
                   std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  const std::int64_t epoch_millis = clock_();
  thread_local std::string body;
  body.clear();
  append_record_body(body, level, service_name_, logger_name, message, fields);
  enqueue(
      writer_, QueuedKind::kBody, body_payload_size(body),
      [&](char* payload) { encode_body(payload, epoch_millis, body); },
      [&](std::string& line) {
        append_body_record(line, format_rfc3339_millis(epoch_millis), body);
      });
  trim(body);
}

void Logger::access(const AccessRecord& record) {
  if (!enabled(access_level(record.status_code))) return;
  const std::int64_t epoch_millis = clock_();
  enqueue(
      writer_, QueuedKind::kAccess, access_payload_size(record),
      [&](char* payload) { encode_access(payload, epoch_millis, record); },
      [&](std::string& line) {
        append_access_record(line, format_rfc3339_millis(epoch_millis), service_name_, record);
      });
}

bool Logger::flush(std::chrono::milliseconds timeout) {
  return writer_.flush(timeout);
}

}  // namespace glassbox::telemetry::log
