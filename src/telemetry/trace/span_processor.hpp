#pragma once

#include <memory>

#include "telemetry/trace/span_data.hpp"

namespace glassbox::telemetry::trace {

// Receives each sampled span when it ends. Implementations are called from request threads
// (any number at once), so on_end must be thread-safe, must not throw and must never wait
// on I/O: at most a short lock.
class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  virtual void on_end(std::unique_ptr<SpanData> span) noexcept = 0;

  // A blank SpanData for a span being started (the Tracer calls it from request threads,
  // so it must be thread-safe). A processor may hand out recycled records; the default
  // allocates a new one.
  virtual std::unique_ptr<SpanData> new_span_data() { return std::make_unique<SpanData>(); }
};

}  // namespace glassbox::telemetry::trace
