#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "telemetry/trace/span_data.hpp"
#include "telemetry/trace/span_processor.hpp"
#include "telemetry/trace/trace_context.hpp"

namespace glassbox::telemetry::trace {

// Unix time in nanoseconds; injectable so tests are deterministic.
using UnixNanosClock = std::uint64_t (*)() noexcept;
std::uint64_t system_unix_nanos() noexcept;

// A handle on one span, made by Tracer::start_span and ended once: explicitly with end(),
// or by the destructor (so a span scoped to a request always ends). Movable, not copyable.
//
// Every span has valid ids (context()), sampled or not, so logs can always carry them.
// Only a recording span (sampled, with a processor) keeps attributes and status and is
// handed to the processor at end(); on the others those calls do nothing and cost nothing.
// context() stays valid after end().
//
// Not thread-safe: one span is used by one thread at a time (it may move between threads).
// end() never blocks on I/O.
class Span {
 public:
  Span() = default;  // inert: invalid ids, records nothing
  Span(SpanContext context, std::unique_ptr<SpanData> data, SpanProcessor* processor,
       UnixNanosClock clock) noexcept;
  Span(Span&& other) noexcept;
  Span& operator=(Span&& other) noexcept;  // ends this span first
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span() { end(); }

  const SpanContext& context() const noexcept { return context_; }
  bool recording() const noexcept { return data_ != nullptr; }

  // Values: string (copied), any integer (as int64), double or bool; see AttributeList.
  template <typename Value>
  void set_attribute(AttributeKey key, Value&& value) {
    if (data_) data_->attributes.set(key, std::forward<Value>(value));
  }

  // OpenTelemetry rules: kUnset is ignored, kOk is final, the message is kept only with
  // kError.
  void set_status(StatusCode code, std::string_view message = {});

  // Ends the span now (or at `end_unix_nanos`, never before its start) and hands a recording
  // span to the processor. Second and later calls do nothing.
  void end() noexcept;
  void end_at(std::uint64_t end_unix_nanos) noexcept;

  // The recorded data so far, or nullptr when not recording or already ended (for tests).
  const SpanData* data() const noexcept { return data_.get(); }

 private:
  SpanContext context_;
  std::unique_ptr<SpanData> data_;
  SpanProcessor* processor_ = nullptr;
  UnixNanosClock clock_ = &system_unix_nanos;
};

}  // namespace glassbox::telemetry::trace
