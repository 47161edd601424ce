#include "telemetry/trace/tracer.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "span_fixtures.hpp"

namespace glassbox::telemetry::trace {
namespace {

std::atomic<std::uint64_t> fake_now{1000};
std::uint64_t fake_clock() noexcept {
  return fake_now.load();
}

std::atomic<std::uint64_t> next_id{0};
TraceId counting_trace_id() {
  return TraceId{0xAAAA, ++next_id};
}
SpanId counting_span_id() {
  return SpanId{++next_id};
}

TracerOptions options(SpanProcessor* processor, SamplerKind kind = SamplerKind::kAlwaysOn) {
  TracerOptions result;
  result.sampler = Sampler(kind);
  result.processor = processor;
  result.clock = &fake_clock;
  result.ids = IdSource{&counting_trace_id, &counting_span_id};
  return result;
}

TEST(Tracer, ARootSpanGetsFreshIdsAndIsHandedToTheProcessorAtEnd) {
  testing::CapturingProcessor processor;
  const Tracer tracer(options(&processor));
  fake_now = 1000;
  Span span = tracer.start_span("fibonacci", SpanKind::kInternal, nullptr, {{"compute.n", 30}});
  EXPECT_TRUE(span.recording());
  EXPECT_TRUE(span.context().valid());
  EXPECT_TRUE(span.context().sampled());
  EXPECT_FALSE(span.context().remote);
  const SpanContext context = span.context();
  fake_now = 5000;
  span.end();
  EXPECT_EQ(span.context().trace_id, context.trace_id);  // still readable after end
  auto spans = processor.take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0]->context.trace_id, context.trace_id);
  EXPECT_EQ(spans[0]->context.span_id, context.span_id);
  EXPECT_FALSE(spans[0]->parent_span_id.valid());
  EXPECT_EQ(spans[0]->name, "fibonacci");
  EXPECT_EQ(spans[0]->kind, SpanKind::kInternal);
  EXPECT_EQ(spans[0]->start_unix_nanos, 1000u);
  EXPECT_EQ(spans[0]->end_unix_nanos, 5000u);
  EXPECT_EQ(std::get<std::int64_t>(*spans[0]->attributes.find("compute.n")), 30);
}

TEST(Tracer, AServerSpanContinuesTheRemoteTraceAndKeepsTracestate) {
  testing::CapturingProcessor processor;
  const Tracer tracer(options(&processor, SamplerKind::kParentBasedAlwaysOff));
  const auto remote = extract_context("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                      "congo=t61rcWkgMzE");
  ASSERT_TRUE(remote.has_value());
  {
    Span server = tracer.start_span("GET /api/users/{id}", SpanKind::kServer, &*remote);
    EXPECT_TRUE(server.recording());  // the sampled parent decides, not the root sampler
    EXPECT_EQ(server.context().trace_id, remote->trace_id);
    EXPECT_NE(server.context().span_id, remote->span_id);
    EXPECT_EQ(server.context().trace_state, "congo=t61rcWkgMzE");
    EXPECT_EQ(format_traceparent(server.context()).substr(0, 36),
              "00-4bf92f3577b34da6a3ce929d0e0e4736-");
    Span child = tracer.start_span("users.get", SpanKind::kClient, &server.context());
    child.set_attribute("db.system.name", "sqlite");
    child.end();
    server.set_attribute("http.response.status_code", 200);
  }  // the destructor ends the server span
  auto spans = processor.take();
  ASSERT_EQ(spans.size(), 2u);
  const SpanData& child = *spans[0];
  const SpanData& server = *spans[1];
  EXPECT_EQ(server.parent_span_id, remote->span_id);
  EXPECT_TRUE(server.parent_remote);
  EXPECT_EQ(child.parent_span_id, server.context.span_id);
  EXPECT_FALSE(child.parent_remote);
  EXPECT_EQ(child.context.trace_id, remote->trace_id);
  EXPECT_EQ(child.kind, SpanKind::kClient);
}

TEST(Tracer, AnUnsampledSpanHasIdsButRecordsAndExportsNothing) {
  testing::CapturingProcessor processor;
  const Tracer tracer(options(&processor, SamplerKind::kParentBasedAlwaysOn));
  const auto remote = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  Span span = tracer.start_span("GET /health", SpanKind::kServer, &*remote);
  EXPECT_FALSE(span.recording());
  EXPECT_TRUE(span.context().valid());
  EXPECT_FALSE(span.context().sampled());
  span.set_attribute("http.route", "/health");
  span.set_status(StatusCode::kError, "ignored");
  span.end();
  EXPECT_TRUE(processor.take().empty());
}

TEST(Tracer, WithoutAProcessorSpansGetIdsButAreNeverSampled) {
  const Tracer tracer(options(nullptr, SamplerKind::kAlwaysOn));  // OTEL_SDK_DISABLED
  Span span = tracer.start_span("GET /", SpanKind::kServer);
  EXPECT_TRUE(span.context().valid());
  EXPECT_FALSE(span.context().sampled());
  EXPECT_FALSE(span.recording());
}

TEST(Tracer, AnInvalidParentStartsANewTrace) {
  testing::CapturingProcessor processor;
  const Tracer tracer(options(&processor));
  const Span inert;
  Span span = tracer.start_span("x", SpanKind::kInternal, &inert.context());
  span.end();
  auto spans = processor.take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_TRUE(spans[0]->context.trace_id.valid());
  EXPECT_FALSE(spans[0]->parent_span_id.valid());
}

TEST(Tracer, StatusFollowsTheOpenTelemetryRules) {
  testing::CapturingProcessor processor;
  const Tracer tracer(options(&processor));
  Span error = tracer.start_span("a", SpanKind::kServer);
  error.set_status(StatusCode::kError, "boom");
  error.set_status(StatusCode::kUnset);  // ignored
  EXPECT_EQ(error.data()->status, StatusCode::kError);
  EXPECT_EQ(error.data()->status_message, "boom");
  error.set_status(StatusCode::kOk, "dropped message");
  EXPECT_EQ(error.data()->status, StatusCode::kOk);
  EXPECT_EQ(error.data()->status_message, "");
  error.set_status(StatusCode::kError, "too late");  // Ok is final
  EXPECT_EQ(error.data()->status, StatusCode::kOk);
}

TEST(Tracer, EndingTwiceOrAfterAMoveHandsOverOnce) {
  testing::CapturingProcessor processor;
  const Tracer tracer(options(&processor));
  Span first = tracer.start_span("a", SpanKind::kInternal);
  Span moved = std::move(first);
  moved.end();
  moved.end();
  first.end();  // NOLINT(bugprone-use-after-move): a moved-from span is inert
  Span other = tracer.start_span("b", SpanKind::kInternal);
  other = tracer.start_span("c", SpanKind::kInternal);  // ends "b"
  other.end();
  const auto spans = processor.take();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0]->name, "a");
  EXPECT_EQ(spans[1]->name, "b");
  EXPECT_EQ(spans[2]->name, "c");
}

TEST(Tracer, AnEndBeforeTheStartIsClampedToTheStart) {
  testing::CapturingProcessor processor;
  const Tracer tracer(options(&processor));
  fake_now = 9000;
  Span span = tracer.start_span("a", SpanKind::kInternal);
  span.end_at(10);
  const auto spans = processor.take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0]->end_unix_nanos, 9000u);
}

}  // namespace
}  // namespace glassbox::telemetry::trace
