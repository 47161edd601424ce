#pragma once

#include <utility>

#include "telemetry/trace/current_context.hpp"

namespace glassbox::app {

// Wraps a pool task so that, on the worker thread, the request's span is the current
// context: the spans the task starts (database calls) become its children.
template <class Task>
auto in_span(const telemetry::trace::SpanContext& context, Task task) {
  return [context, task = std::move(task)]() mutable {
    const telemetry::trace::ScopedContext scope(context);
    return task();
  };
}

}  // namespace glassbox::app
