// The per-request cost of tracing (start a SERVER span, set its attributes, end it) and the
// exporter-thread cost of encoding a full OTLP batch.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "telemetry/trace/batch_span_processor.hpp"
#include "telemetry/trace/otlp_json.hpp"
#include "telemetry/trace/otlp_protobuf.hpp"
#include "telemetry/trace/tracer.hpp"

namespace glassbox::bench {
namespace {

namespace trace = telemetry::trace;

// Frees each span at once: what the span itself costs, without the queue.
class DiscardingProcessor final : public trace::SpanProcessor {
 public:
  void on_end(std::unique_ptr<trace::SpanData>) noexcept override {}
};

// Accepts every batch without sending it: the queue hand-off, without the network.
class DiscardingExporter final : public trace::SpanExporter {
 public:
  trace::ExportResult export_batch(trace::SpanBatch,
                                   std::chrono::steady_clock::time_point) override {
    return trace::ExportResult::kSuccess;
  }
};

const trace::SpanContext& remote_parent() {
  static const auto context =
      *trace::extract_context("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "");
  return context;
}

// What the HTTP layer records for one request (CONTRACT.md, Traces).
void record_request(const trace::Tracer& tracer) {
  trace::Span span =
      tracer.start_span("GET /api/users/{id}", trace::SpanKind::kServer, &remote_parent());
  span.set_attribute("http.request.method", "GET");
  span.set_attribute("http.route", "/api/users/{id}");
  span.set_attribute("url.path", "/api/users/12345");
  span.set_attribute("url.scheme", "http");
  span.set_attribute("server.address", "glassbox.internal");
  span.set_attribute("server.port", 8080);
  span.set_attribute("client.address", "10.1.2.3");
  span.set_attribute("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) k6/0.49");
  span.set_attribute("network.protocol.version", "1.1");
  span.set_attribute("http.response.status_code", 200);
  benchmark::DoNotOptimize(span.context().span_id);
  span.end();
}

trace::TracerOptions tracer_options(trace::SpanProcessor* processor, trace::SamplerKind kind) {
  trace::TracerOptions options;
  options.sampler = trace::Sampler(kind);
  options.processor = processor;
  return options;
}

// Spans ended into a processor that frees them at once, with `kind` deciding sampling.
void run_discarding(benchmark::State& state, trace::SamplerKind kind) {
  static DiscardingProcessor processor;
  const trace::Tracer tracer(tracer_options(&processor, kind));
  const auto before = thread_allocations();
  for (auto _ : state)
    record_request(tracer);
  report_allocations(state, before);
}

void BM_Span_StartEnd(benchmark::State& state) {
  run_discarding(state, trace::SamplerKind::kAlwaysOn);
}
BENCHMARK(BM_Span_StartEnd);

// The same through the real batch processor (queue lock, exporter thread draining it).
void BM_Span_StartEnd_BatchProcessor(benchmark::State& state) {
  static telemetry::metrics::Counter dropped;
  static auto* processor = new trace::BatchSpanProcessor(
      std::make_unique<DiscardingExporter>(),
      trace::BatchOptions{.max_queue_size = 2048,
                          .schedule_delay = std::chrono::milliseconds(5000),
                          .max_export_batch_size = 512,
                          .export_timeout = std::chrono::milliseconds(30000)},
      trace::BatchCounters{nullptr, &dropped, nullptr});
  const trace::Tracer tracer(tracer_options(processor, trace::SamplerKind::kAlwaysOn));
  const auto dropped_before = dropped.exact_value().integer;
  for (auto _ : state)
    record_request(tracer);
  state.counters["dropped_per_op"] =
      benchmark::Counter(static_cast<double>(dropped.exact_value().integer - dropped_before) /
                         static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Span_StartEnd_BatchProcessor);
BENCHMARK(BM_Span_StartEnd_BatchProcessor)->Threads(2);

// A request whose trace is not sampled: ids only (still needed for the logs).
void BM_Span_StartEnd_NotSampled(benchmark::State& state) {
  run_discarding(state, trace::SamplerKind::kAlwaysOff);
}
BENCHMARK(BM_Span_StartEnd_NotSampled);

void BM_Traceparent_Parse(benchmark::State& state) {
  for (auto _ : state) {
    auto context =
        trace::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    benchmark::DoNotOptimize(context);
  }
}
BENCHMARK(BM_Traceparent_Parse);

std::vector<std::unique_ptr<trace::SpanData>> batch_of_512() {
  struct Collector final : trace::SpanProcessor {
    std::vector<std::unique_ptr<trace::SpanData>> spans;
    void on_end(std::unique_ptr<trace::SpanData> span) noexcept override {
      spans.push_back(std::move(span));
    }
  } collector;
  const trace::Tracer tracer(tracer_options(&collector, trace::SamplerKind::kAlwaysOn));
  for (int i = 0; i < 512; ++i)
    record_request(tracer);
  return std::move(collector.spans);
}

trace::Resource bench_resource() {
  trace::ResourceOptions options;
  options.service_version = "0.1.0";
  options.extra_attributes = {{"deployment.environment", "bench"}};
  return trace::make_resource(options);
}

template <typename Encoder>
void run_encode(benchmark::State& state) {
  const auto spans = batch_of_512();
  Encoder encoder(bench_resource(), "0.1.0");
  std::string out;
  for (auto _ : state) {
    encoder.encode(spans, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
  state.counters["request_bytes"] = static_cast<double>(out.size());
}

void BM_OtlpProtobuf_Encode512Spans(benchmark::State& state) {
  run_encode<trace::OtlpProtobufEncoder>(state);
}
BENCHMARK(BM_OtlpProtobuf_Encode512Spans);

void BM_OtlpJson_Encode512Spans(benchmark::State& state) {
  run_encode<trace::OtlpJsonEncoder>(state);
}
BENCHMARK(BM_OtlpJson_Encode512Spans);

}  // namespace
}  // namespace glassbox::bench
