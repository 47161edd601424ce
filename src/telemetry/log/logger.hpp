#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "telemetry/log/access_record.hpp"
#include "telemetry/log/async_line_writer.hpp"
#include "telemetry/log/log_record.hpp"
#include "telemetry/log/rfc3339.hpp"  // also for the callers that format timestamps

namespace glassbox::telemetry::log {

struct LoggerOptions {
  int fd = 1;  // not owned: stays open for the Logger's life
  // The queue between callers and the writer thread, in bytes (an access record takes
  // about 200 to 300): 4 MiB holds some 15,000 records, a burst's worth.
  std::size_t buffer_bytes = std::size_t{4} << 20;
  std::size_t batch_bytes = std::size_t{64} << 10;  // a batch (one write(2)) closes past it
  // glassbox_log_records_dropped_total; must outlive the Logger. May be null.
  metrics::Counter* dropped_counter = nullptr;
  // Milliseconds since the epoch for the `timestamp` field, read when a record is logged.
  std::int64_t (*clock)() noexcept = epoch_millis_now;
};

// Writes one JSON object per line (stdout by default) with the fields every record has —
// timestamp (RFC 3339 UTC, milliseconds), level, service, logger, message — then the
// record's own fields; see CONTRACT.md, Logs.
//
// Asynchronous and thread-safe: the calling thread only copies the record into a bounded
// buffer (write() formats its fields first; access() copies raw values) and returns. One
// writer thread formats what access() queued and writes the lines in batches; a line is
// never split or interleaved with another. The caller never waits on the descriptor: when
// the buffer is full (the reader stalls or cannot keep up) the record is dropped and
// counted in dropped_records() and the dropped counter.
//
// Odd input: every string is escaped, invalid UTF-8 replaced (json_escape.hpp), so no
// value can end a line or forge a field; a record larger than half the buffer is dropped.
//
// Shutdown: stop() (or the destructor) writes everything queued and joins the writer.
// A record logged after stop() is written at once by its caller, after the queue and
// never interleaved — which can block the caller if the reader stalls.
class Logger {
 public:
  Logger(std::string service_name, Level minimum_level, LoggerOptions options = {});
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool enabled(Level level) const { return level >= minimum_level_; }

  // Extra fields follow `message` in the order given; they are copied before this returns.
  void write(Level level, std::string_view logger_name, std::string_view message,
             std::initializer_list<Field> fields = {});

  // The per-request "Request completed" record; its level comes from the status code
  // (access_level) and is filtered like any other. The hot path: copies the fields and
  // returns, with no allocation, lock or system call (but one: the first record after the
  // writer has been idle for some 100 ms wakes it).
  void access(const AccessRecord& record);

  // Waits until everything logged before the call is written, at most `timeout`; false
  // on timeout. A record dropped on a write error counts as done.
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Writes everything queued and stops the writer thread; for clean shutdown. Blocks for as
  // long as the reader of the descriptor does. Idempotent.
  void stop() { writer_.stop(); }

  std::uint64_t dropped_records() const noexcept { return writer_.dropped(); }

 private:
  void format_queued(std::string& out, const RecordRing::Entry& entry);

  const std::string service_name_;
  const Level minimum_level_;
  std::int64_t (*const clock_)() noexcept;
  TimestampCache writer_timestamps_;  // the writer thread's
  AsyncLineWriter writer_;            // last: its thread uses the members above
};

}  // namespace glassbox::telemetry::log
