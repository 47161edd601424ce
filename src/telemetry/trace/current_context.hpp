#pragma once

#include "telemetry/trace/trace_context.hpp"

namespace glassbox::telemetry::trace {

// The span context that work on this thread belongs to, so code far from the request (a
// database call on a worker thread) can start child spans without every signature carrying
// a context. Set it only on threads that run one task at a time (worker pools), never on an
// I/O thread, where coroutines of many requests interleave.
//
// Thread-safe by construction: each thread has its own.
const SpanContext* current_context() noexcept;

// Makes `context` current for this scope, restoring the previous one after.
class ScopedContext {
 public:
  explicit ScopedContext(const SpanContext& context) noexcept;
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  const SpanContext* previous_;
};

}  // namespace glassbox::telemetry::trace
