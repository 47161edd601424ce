#include "telemetry/trace/current_context.hpp"

namespace glassbox::telemetry::trace {
namespace {

thread_local const SpanContext* current = nullptr;

}  // namespace

const SpanContext* current_context() noexcept {
  return current;
}

ScopedContext::ScopedContext(const SpanContext& context) noexcept : previous_(current) {
  current = &context;
}

ScopedContext::~ScopedContext() {
  current = previous_;
}

}  // namespace glassbox::telemetry::trace
