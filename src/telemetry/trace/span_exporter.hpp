#pragma once

#include <chrono>
#include <memory>
#include <span>

#include "telemetry/trace/span_data.hpp"

namespace glassbox::telemetry::trace {

enum class ExportResult { kSuccess, kFailure };

using SpanBatch = std::span<const std::unique_ptr<SpanData>>;

// Sends finished spans somewhere (OTLP/HTTP, stderr, a test's memory). Called from one
// thread at a time — the batch processor's exporter thread, never a request thread — so an
// implementation may block, but must return by `deadline` (give up then: kFailure).
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual ExportResult export_batch(SpanBatch spans,
                                    std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace glassbox::telemetry::trace
