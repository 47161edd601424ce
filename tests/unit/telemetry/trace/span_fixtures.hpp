#pragma once

// Helpers shared by the trace tests: a processor that keeps what it gets, and a finished
// span with every field set.
#include <memory>
#include <mutex>
#include <vector>

#include "telemetry/trace/span_data.hpp"
#include "telemetry/trace/span_processor.hpp"

namespace glassbox::telemetry::trace::testing {

class CapturingProcessor final : public SpanProcessor {
 public:
  void on_end(std::unique_ptr<SpanData> span) noexcept override {
    std::lock_guard lock(mutex_);
    spans_.push_back(std::move(span));
  }
  std::vector<std::unique_ptr<SpanData>> take() {
    std::lock_guard lock(mutex_);
    return std::move(spans_);
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<SpanData>> spans_;
};

// A SERVER span with a remote parent, tracestate, every attribute type and an error status.
inline std::unique_ptr<SpanData> sample_server_span() {
  auto span = std::make_unique<SpanData>();
  span->context.trace_id = TraceId{0x4bf92f3577b34da6, 0xa3ce929d0e0e4736};
  span->context.span_id = SpanId{0x00f067aa0ba902b7};
  span->context.trace_flags = kSampledFlag;
  span->context.trace_state = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
  span->parent_span_id = SpanId{0xb7ad6b7169203331};
  span->parent_remote = true;
  span->name = "GET /api/users/{id}";
  span->kind = SpanKind::kServer;
  span->start_unix_nanos = 1700000000123456789ULL;
  span->end_unix_nanos = 1700000000223456789ULL;
  span->attributes.set("http.request.method", "GET");
  span->attributes.set("http.response.status_code", 503);
  span->attributes.set("compute.negative", std::int64_t{-2});
  span->attributes.set("sample.ratio", 0.25);
  span->attributes.set("sample.flag", false);
  span->status = StatusCode::kError;
  span->status_message = "upstream \"db\" unavailable";
  return span;
}

// A root INTERNAL span with no attributes and no status.
inline std::unique_ptr<SpanData> sample_root_span() {
  auto span = std::make_unique<SpanData>();
  span->context.trace_id = TraceId{0x0af7651916cd43dd, 0x8448eb211c80319c};
  span->context.span_id = SpanId{0x1122334455667788};
  span->context.trace_flags = kSampledFlag;
  span->name = "fibonacci";
  span->kind = SpanKind::kInternal;
  span->start_unix_nanos = 5;
  span->end_unix_nanos = 7;
  return span;
}

}  // namespace glassbox::telemetry::trace::testing
