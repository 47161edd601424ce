#include "telemetry/trace/trace_pipeline.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "test_http_server.hpp"

namespace glassbox::telemetry::trace {
namespace {

using namespace std::chrono_literals;

TEST(TracePipeline, ExportsSampledSpansToTheOtlpEndpoint) {
  testing::TestHttpServer server({testing::TestHttpServer::reply(200)});
  TracingOptions options;
  options.traces_endpoint = server.url();
  options.bsp_schedule_delay = 1h;
  options.service_version = "9.9.9";
  metrics::Counter exported;
  TracePipeline pipeline(options, BatchCounters{&exported, nullptr, nullptr});
  EXPECT_TRUE(pipeline.exporting());
  EXPECT_EQ(pipeline.resource().find("service.version"), "9.9.9");
  {
    Span span = pipeline.tracer().start_span("GET /health", SpanKind::kServer);
    EXPECT_TRUE(span.recording());
  }
  pipeline.shutdown(5s);
  EXPECT_EQ(exported.exact_value().integer, 1u);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(TracePipeline, DisabledOrNoneStillMakesIdsButExportsNothing) {
  TracingOptions disabled;
  disabled.sdk_disabled = true;
  TracingOptions none;
  none.exporter = TraceExporterKind::kNone;
  for (const TracingOptions& options : {disabled, none}) {
    TracePipeline pipeline(options);
    EXPECT_FALSE(pipeline.exporting());
    Span span = pipeline.tracer().start_span("GET /", SpanKind::kServer);
    EXPECT_TRUE(span.context().valid());
    EXPECT_FALSE(span.recording());
  }
}

TEST(TracePipeline, AppliesTheConfiguredSampler) {
  TracingOptions options;
  options.exporter = TraceExporterKind::kConsole;
  options.sampler = SamplerKind::kAlwaysOff;
  TracePipeline pipeline(options);
  EXPECT_EQ(pipeline.tracer().sampler().description(), "AlwaysOffSampler");
  EXPECT_FALSE(pipeline.tracer().start_span("x", SpanKind::kInternal).recording());
}

TEST(TracePipeline, RefusesBadSettings) {
  TracingOptions https;
  https.traces_endpoint = "https://tempo:4318/v1/traces";
  EXPECT_THROW(TracePipeline{https}, std::invalid_argument);
  TracingOptions ratio;
  ratio.sampler = SamplerKind::kTraceIdRatio;
  ratio.sampler_ratio = 2;
  EXPECT_THROW(TracePipeline{ratio}, std::invalid_argument);
}

}  // namespace
}  // namespace glassbox::telemetry::trace
