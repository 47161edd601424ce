#include "telemetry/trace/console_exporter.hpp"

#include <unistd.h>

#include <cerrno>

#include "telemetry/trace/otlp_json.hpp"

namespace glassbox::telemetry::trace {

ExportResult ConsoleSpanExporter::export_batch(SpanBatch spans,
                                               std::chrono::steady_clock::time_point) {
  buffer_.clear();
  for (const auto& span : spans) {
    append_otlp_json_span(buffer_, *span);
    buffer_.push_back('\n');
  }
  std::string_view pending = buffer_;
  while (!pending.empty()) {
    const ssize_t written = ::write(fd_, pending.data(), pending.size());
    if (written > 0) {
      pending.remove_prefix(static_cast<std::size_t>(written));
    } else if (written < 0 && errno != EINTR) {
      return ExportResult::kFailure;
    }
  }
  return ExportResult::kSuccess;
}

}  // namespace glassbox::telemetry::trace
