#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "telemetry/trace/http_client.hpp"
#include "telemetry/trace/http_endpoint.hpp"
#include "telemetry/trace/otlp_json.hpp"
#include "telemetry/trace/otlp_protobuf.hpp"
#include "telemetry/trace/resource.hpp"
#include "telemetry/trace/span_exporter.hpp"

namespace glassbox::telemetry::trace {

// OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf or http/json.
enum class OtlpEncoding { kProtobuf, kJson };

// How failed sends are retried: exponential backoff (initial, doubling, capped) with
// random jitter (each wait is drawn from [backoff/2, backoff]), unless the server said
// Retry-After.
struct RetryPolicy {
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{5000};
};

struct OtlpHttpOptions {
  std::string endpoint = "http://localhost:4318/v1/traces";  // the full URL, path included
  OtlpEncoding encoding = OtlpEncoding::kProtobuf;
  HttpHeaders headers;                       // OTEL_EXPORTER_OTLP_HEADERS
  std::chrono::milliseconds timeout{10000};  // OTEL_EXPORTER_OTLP_TIMEOUT, per export
  RetryPolicy retry;
  // Waits between attempts; replaceable so tests need not sleep. Default: a wait that
  // cancel() ends early.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Told (on the exporter thread) why an export was given up, e.g. to log a warning.
  std::function<void(std::string_view)> on_failure;
};

// Exports batches with OTLP/HTTP (POST, Content-Type application/x-protobuf or
// application/json). Retries on 429, 502, 503, 504 and on connection failures or a missing
// response, waiting Retry-After seconds when given, else backing off exponentially with
// jitter; any other status is final (2xx success, the rest failure). Gives up when the next
// attempt could not start before the deadline: min(the batch deadline, now + timeout), and
// once cancel() was called (from any thread; within kCancelCheckInterval).
//
// export_batch is called by one thread at a time (the batch processor's). Construction throws
// std::invalid_argument for a bad or https endpoint or a header with CR/LF in it.
class OtlpHttpExporter final : public SpanExporter {
 public:
  OtlpHttpExporter(OtlpHttpOptions options, const Resource& resource,
                   std::string_view scope_version);

  ExportResult export_batch(SpanBatch spans,
                            std::chrono::steady_clock::time_point deadline) override;
  void cancel() noexcept override;

  const HttpEndpoint& endpoint() const noexcept { return client_.endpoint(); }
  // Connections opened to the collector so far (one, while it keeps the connection open).
  std::uint64_t connections_opened() const noexcept { return client_.connections_opened(); }

 private:
  std::chrono::milliseconds backoff(int attempt) const;
  void report(std::string_view why) const;
  void pause(std::chrono::milliseconds wait);

  OtlpHttpOptions options_;
  HttpClient client_;  // keeps its connection to the collector open between batches
  OtlpProtobufEncoder protobuf_;
  OtlpJsonEncoder json_;
  std::string body_;  // reused between batches
  std::atomic<bool> cancelled_{false};
  std::mutex pause_mutex_;  // with pause_ended_: the wait between attempts
  std::condition_variable pause_ended_;
};

// True for the statuses the OTLP/HTTP spec lists as retryable: 429, 502, 503, 504.
bool retryable_status(int status) noexcept;

}  // namespace glassbox::telemetry::trace
