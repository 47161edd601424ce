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

  // Makes an export_batch running on the exporter thread give up (kFailure) as soon as it
  // can, and every later call fail at once. The batch processor calls it from its shutdown,
  // on another thread, when the shutdown deadline has passed with an export still running:
  // that export's own deadline may be much later (a collector that never answers). Must be
  // thread-safe and not block. The default does nothing, for exporters that never wait long.
  virtual void cancel() noexcept {}
};

}  // namespace glassbox::telemetry::trace
