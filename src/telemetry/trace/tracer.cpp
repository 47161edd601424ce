#include "telemetry/trace/tracer.hpp"

#include <memory>

namespace glassbox::telemetry::trace {

Span Tracer::start_span(std::string_view name, SpanKind kind, const SpanContext* parent,
                        std::initializer_list<SpanAttribute> attributes) const {
  if (parent != nullptr && !parent->valid()) parent = nullptr;
  SpanContext context;
  context.trace_id = parent != nullptr ? parent->trace_id : options_.ids.trace_id();
  context.span_id = options_.ids.span_id();
  if (parent != nullptr) context.trace_state = parent->trace_state;
  const bool sampled =
      options_.processor != nullptr && options_.sampler.should_sample(parent, context.trace_id);
  context.trace_flags = sampled ? kSampledFlag : 0;
  if (!sampled) return Span(std::move(context), nullptr, nullptr, options_.clock);

  auto data = options_.processor->new_span_data();
  data->context = context;
  if (parent != nullptr) {
    data->parent_span_id = parent->span_id;
    data->parent_remote = parent->remote;
  }
  data->name.assign(name);
  data->kind = kind;
  data->start_unix_nanos = options_.clock();
  for (const SpanAttribute& attribute : attributes) {
    std::visit([&](const auto& value) { data->attributes.set(attribute.key, value); },
               attribute.value);
  }
  return Span(std::move(context), std::move(data), options_.processor, options_.clock);
}

}  // namespace glassbox::telemetry::trace
