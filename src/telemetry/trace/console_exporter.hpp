#pragma once

#include <string>

#include "telemetry/trace/span_exporter.hpp"

namespace glassbox::telemetry::trace {

// OTEL_TRACES_EXPORTER=console: each span as one OTLP/JSON Span object on its own line,
// written to `fd` (stderr by default) with whole-batch write(2) calls so lines are never
// split by this exporter. Fails when the write fails (e.g. a closed stderr). Called by one
// thread at a time; does not own `fd`.
class ConsoleSpanExporter final : public SpanExporter {
 public:
  explicit ConsoleSpanExporter(int fd = 2) : fd_(fd) {}

  ExportResult export_batch(SpanBatch spans,
                            std::chrono::steady_clock::time_point deadline) override;

 private:
  int fd_;
  std::string buffer_;
};

}  // namespace glassbox::telemetry::trace
