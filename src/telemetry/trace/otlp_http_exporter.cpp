#include "telemetry/trace/otlp_http_exporter.hpp"

#include <algorithm>
#include <stdexcept>

#include "telemetry/trace/random_ids.hpp"

namespace glassbox::telemetry::trace {
namespace {

using Clock = std::chrono::steady_clock;

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

std::string attempt_failure(const HttpPostResult& result) {
  if (result.failure == HttpFailure::kNone) return "HTTP " + std::to_string(result.status);
  return result.detail;
}

}  // namespace

bool retryable_status(int status) noexcept {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

OtlpHttpExporter::OtlpHttpExporter(OtlpHttpOptions options, const Resource& resource,
                                   std::string_view scope_version)
    : options_(std::move(options)),
      client_(parse_http_endpoint(options_.endpoint)),
      protobuf_(resource, scope_version),
      json_(resource, scope_version) {
  for (const auto& [name, value] : options_.headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value) ||
        name.find(':') != std::string::npos) {
      throw std::invalid_argument("invalid OTLP header \"" + name + "\"");
    }
  }
}

void OtlpHttpExporter::cancel() noexcept {
  cancelled_.store(true);
  // Taking the mutex: a pause that has checked the flag but not yet waited cannot miss this.
  { const std::lock_guard lock(pause_mutex_); }
  pause_ended_.notify_all();
}

void OtlpHttpExporter::pause(std::chrono::milliseconds wait) {
  if (options_.sleep) {
    options_.sleep(wait);
    return;
  }
  std::unique_lock lock(pause_mutex_);
  pause_ended_.wait_for(lock, wait, [this] { return cancelled_.load(); });
}

std::chrono::milliseconds OtlpHttpExporter::backoff(int attempt) const {
  auto ceiling = options_.retry.initial_backoff;
  for (int i = 1; i < attempt && ceiling < options_.retry.max_backoff; ++i)
    ceiling *= 2;
  ceiling = std::min(ceiling, options_.retry.max_backoff);
  const auto half = ceiling.count() / 2;
  const auto jitter =
      half > 0 ? static_cast<long long>(random_u64() % static_cast<std::uint64_t>(half + 1)) : 0;
  return std::chrono::milliseconds(ceiling.count() - half + jitter);
}

void OtlpHttpExporter::report(std::string_view why) const {
  if (options_.on_failure) options_.on_failure(why);
}

ExportResult OtlpHttpExporter::export_batch(SpanBatch spans, Clock::time_point deadline) {
  if (spans.empty()) return ExportResult::kSuccess;
  deadline = std::min(deadline, Clock::now() + options_.timeout);
  std::string_view content_type;
  if (options_.encoding == OtlpEncoding::kProtobuf) {
    protobuf_.encode(spans, body_);
    content_type = "application/x-protobuf";
  } else {
    json_.encode(spans, body_);
    content_type = "application/json";
  }
  for (int attempt = 1;; ++attempt) {
    if (cancelled_.load()) {
      report("OTLP export to " + options_.endpoint + " cancelled at shutdown");
      return ExportResult::kFailure;
    }
    const HttpPostResult result =
        client_.post(content_type, options_.headers, body_, deadline, &cancelled_);
    if (result.failure == HttpFailure::kNone && result.status >= 200 && result.status < 300) {
      return ExportResult::kSuccess;
    }
    if (result.failure == HttpFailure::kCancelled) continue;  // the check above reports it
    const bool retry = result.failure == HttpFailure::kNone
                           ? retryable_status(result.status)
                           : result.failure != HttpFailure::kBadResponse;
    if (!retry) {
      report("OTLP export to " + options_.endpoint + " refused: " + attempt_failure(result));
      return ExportResult::kFailure;
    }
    const std::chrono::milliseconds wait =
        result.retry_after ? std::chrono::milliseconds(*result.retry_after) : backoff(attempt);
    if (Clock::now() + wait >= deadline) {
      report("OTLP export to " + options_.endpoint + " gave up after " + std::to_string(attempt) +
             " attempt(s): " + attempt_failure(result));
      return ExportResult::kFailure;
    }
    pause(wait);
  }
}

}  // namespace glassbox::telemetry::trace
