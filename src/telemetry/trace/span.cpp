#include "telemetry/trace/span.hpp"

#include <algorithm>
#include <chrono>

namespace glassbox::telemetry::trace {

std::uint64_t system_unix_nanos() noexcept {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count());
}

Span::Span(SpanContext context, std::unique_ptr<SpanData> data, SpanProcessor* processor,
           UnixNanosClock clock) noexcept
    : context_(std::move(context)), data_(std::move(data)), processor_(processor), clock_(clock) {}

Span::Span(Span&& other) noexcept
    : context_(std::move(other.context_)),
      data_(std::move(other.data_)),
      processor_(std::exchange(other.processor_, nullptr)),
      clock_(other.clock_) {}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    end();
    context_ = std::move(other.context_);
    data_ = std::move(other.data_);
    processor_ = std::exchange(other.processor_, nullptr);
    clock_ = other.clock_;
  }
  return *this;
}

void Span::set_status(StatusCode code, std::string_view message) {
  if (!data_ || code == StatusCode::kUnset || data_->status == StatusCode::kOk) return;
  data_->status = code;
  if (code == StatusCode::kError) {
    data_->status_message.assign(message);
  } else {
    data_->status_message.clear();
  }
}

void Span::end() noexcept {
  if (data_) end_at(clock_());
}

void Span::end_at(std::uint64_t end_unix_nanos) noexcept {
  if (!data_) return;
  data_->end_unix_nanos = std::max(end_unix_nanos, data_->start_unix_nanos);
  if (processor_ != nullptr) processor_->on_end(std::move(data_));
  data_.reset();
}

}  // namespace glassbox::telemetry::trace
