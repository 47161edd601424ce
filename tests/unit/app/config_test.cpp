#include "app/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

namespace glassbox::app {
namespace {

using Environment = std::map<std::string, std::string>;
using Args = std::vector<std::string>;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

Config parse(const Environment& environment, const Args& args = {}) {
  return parse_command_line(environment, args).config;
}

// The error parsing raises, or nullopt when it succeeds.
std::optional<ConfigError> error_for(const Environment& environment, const Args& args = {}) {
  try {
    parse_command_line(environment, args);
  } catch (const ConfigError& error) {
    return error;
  }
  return std::nullopt;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// A file under the test temp directory that disappears with the test.
class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    static int counter = 0;
    path_ =
        std::filesystem::path(::testing::TempDir()) /
        ("glassbox_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// ---------------------------------------------------------------------------------------
// Defaults and sources

TEST(ConfigParsing, DefaultsMatchTheContract) {
  const auto parsed = parse_command_line({}, {});
  EXPECT_EQ(parsed.action, CommandAction::kRun);
  const Config& c = parsed.config;
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.threads, 0u);
  EXPECT_EQ(c.database_url, "sqlite://data/glassbox.db");
  EXPECT_EQ(c.log_level, LogLevel::kInfo);
  EXPECT_EQ(c.metrics_path, "/metrics");
  EXPECT_FALSE(c.metrics_token.has_value());
  EXPECT_EQ(c.latency_buckets,
            (std::vector<double>{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1, 0.25, 0.5, 1, 2.5, 5, 10}));
  EXPECT_EQ(c.compute_max_n, 40);
  EXPECT_EQ(c.cleanup_interval, std::chrono::seconds(60));
  EXPECT_EQ(c.limits.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c.limits.max_target_bytes, 8u * 1024);
  EXPECT_EQ(c.limits.max_body_bytes, 1024u * 1024);
  EXPECT_EQ(c.limits.header_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.limits.idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(c.limits.max_connections, 10000u);
  const TracingConfig& t = c.tracing;
  EXPECT_EQ(t.service_name, "glassbox");
  EXPECT_TRUE(t.resource_attributes.empty());
  EXPECT_EQ(t.traces_endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(t.protocol, OtlpProtocol::kHttpProtobuf);
  EXPECT_EQ(t.exporter, TracesExporter::kOtlp);
  EXPECT_EQ(t.sampler, Sampler::kParentBasedAlwaysOn);
  EXPECT_DOUBLE_EQ(t.sampler_ratio, 1.0);
  EXPECT_EQ(t.bsp_max_queue_size, 2048u);
  EXPECT_EQ(t.bsp_schedule_delay, std::chrono::milliseconds(5000));
  EXPECT_EQ(t.bsp_max_export_batch_size, 512u);
  EXPECT_EQ(t.bsp_export_timeout, std::chrono::milliseconds(30000));
  EXPECT_FALSE(t.sdk_disabled);
}

TEST(ConfigParsing, FlagWinsOverEnvironment) {
  const Environment environment{
      {"GLASSBOX_PORT", "9000"}, {"GLASSBOX_HOST", "10.0.0.1"}, {"LOG_LEVEL", "error"}};
  const Config c = parse(environment, {"--port", "9100", "--host=127.0.0.1"});
  EXPECT_EQ(c.port, 9100);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.log_level, LogLevel::kError);  // no flag given: the variable still counts
}

TEST(ConfigParsing, EveryFlagAcceptsBothSpellings) {
  const Config separate =
      parse({}, {"--host", "::1", "--port", "1", "--threads", "3", "--database-url",
                 "sqlite://:memory:", "--log-level", "debug"});
  const Config joined = parse({}, {"--host=::1", "--port=1", "--threads=3",
                                   "--database-url=sqlite://:memory:", "--log-level=debug"});
  for (const Config* c : {&separate, &joined}) {
    EXPECT_EQ(c->host, "::1");
    EXPECT_EQ(c->port, 1);
    EXPECT_EQ(c->threads, 3u);
    EXPECT_EQ(c->database_url, "sqlite://:memory:");
    EXPECT_EQ(c->log_level, LogLevel::kDebug);
  }
}

TEST(ConfigParsing, LaterRepeatedFlagWins) {
  EXPECT_EQ(parse({}, {"--port", "1", "--port", "2"}).port, 2);
}

TEST(ConfigParsing, EmptyVariableCountsAsUnset) {
  const Config c = parse({{"GLASSBOX_PORT", ""},
                          {"METRICS_TOKEN", ""},
                          {"DATABASE_URL", ""},
                          {"OTEL_EXPORTER_OTLP_ENDPOINT", ""},
                          {"OTEL_SDK_DISABLED", ""}});
  EXPECT_EQ(c.port, 8080);
  EXPECT_FALSE(c.metrics_token.has_value());
  EXPECT_EQ(c.database_url, "sqlite://data/glassbox.db");
  EXPECT_EQ(c.tracing.traces_endpoint, "http://localhost:4318/v1/traces");
}

TEST(ConfigParsing, HelpAndVersionAreRecognised) {
  EXPECT_EQ(parse_command_line({}, {"--help"}).action, CommandAction::kHelp);
  EXPECT_EQ(parse_command_line({}, {"-h"}).action, CommandAction::kHelp);
  EXPECT_EQ(parse_command_line({}, {"--version"}).action, CommandAction::kVersion);
  EXPECT_EQ(parse_command_line({}, {"--port", "1", "--version"}).action, CommandAction::kVersion);
}

TEST(ConfigParsing, HelpWorksDespiteABadEnvironment) {
  EXPECT_EQ(parse_command_line({{"GLASSBOX_PORT", "nope"}}, {"--help"}).action,
            CommandAction::kHelp);
}

TEST(ConfigParsing, UnknownFlagIsRefusedByName) {
  const auto error = error_for({}, {"--prot", "80"});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->setting(), "--prot");
}

TEST(ConfigParsing, FlagWithoutValueIsRefused) {
  for (const Args& args :
       {Args{"--port"}, Args{"--port="}, Args{"--host", "--port", "1"}, Args{"--log-level", ""}}) {
    const auto error = error_for({}, args);
    ASSERT_TRUE(error.has_value()) << args.front();
    EXPECT_EQ(error->setting(), args.front().substr(0, args.front().find('=')));
  }
}

TEST(ConfigParsing, PositionalArgumentIsRefused) {
  const auto error = error_for({}, {"serve"});
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(contains(error->what(), "serve"));
}

TEST(ConfigParsing, BadFlagValueNamesTheFlag) {
  const auto error = error_for({{"GLASSBOX_PORT", "80"}}, {"--port=80x"});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->setting(), "--port");
}

TEST(ConfigParsing, FlagOverridesABadVariable) {
  EXPECT_EQ(parse({{"GLASSBOX_PORT", "bad"}}, {"--port", "81"}).port, 81);
}

// ---------------------------------------------------------------------------------------
// Each setting: values that parse

struct GoodValue {
  std::string variable;
  std::string value;
  std::function<void(const Config&)> check;
};

TEST(ConfigParsing, AcceptsGoodValuesOfEverySetting) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  const std::vector<GoodValue> cases{
      {"GLASSBOX_HOST", "127.0.0.1", [](const Config& c) { EXPECT_EQ(c.host, "127.0.0.1"); }},
      {"GLASSBOX_PORT", "0", [](const Config& c) { EXPECT_EQ(c.port, 0); }},
      {"GLASSBOX_PORT", "65535", [](const Config& c) { EXPECT_EQ(c.port, 65535); }},
      {"GLASSBOX_PORT", "08081", [](const Config& c) { EXPECT_EQ(c.port, 8081); }},
      {"GLASSBOX_THREADS", "1024", [](const Config& c) { EXPECT_EQ(c.threads, 1024u); }},
      {"DATABASE_URL", "sqlite://:memory:",
       [](const Config& c) { EXPECT_EQ(c.database_url, "sqlite://:memory:"); }},
      {"DATABASE_URL", "postgresql://u:p@db:5432/app",
       [](const Config& c) { EXPECT_EQ(c.database_url, "postgresql://u:p@db:5432/app"); }},
      {"DATABASE_URL", "postgres://db/app",
       [](const Config& c) { EXPECT_EQ(c.database_url, "postgres://db/app"); }},
      {"DATABASE_POOL_SIZE", "16", [](const Config& c) { EXPECT_EQ(c.database_pool_size, 16); }},
      {"LOG_LEVEL", "DEBUG", [](const Config& c) { EXPECT_EQ(c.log_level, LogLevel::kDebug); }},
      {"LOG_LEVEL", "Warn", [](const Config& c) { EXPECT_EQ(c.log_level, LogLevel::kWarn); }},
      {"LOG_LEVEL", "error", [](const Config& c) { EXPECT_EQ(c.log_level, LogLevel::kError); }},
      {"METRICS_PATH", "/internal/metrics",
       [](const Config& c) { EXPECT_EQ(c.metrics_path, "/internal/metrics"); }},
      {"METRICS_PATH", "/apiary", [](const Config& c) { EXPECT_EQ(c.metrics_path, "/apiary"); }},
      {"METRICS_PATH", "/healthz", [](const Config& c) { EXPECT_EQ(c.metrics_path, "/healthz"); }},
      {"METRICS_TOKEN", "s3cr3t-T0ken",
       [](const Config& c) { EXPECT_EQ(c.metrics_token, "s3cr3t-T0ken"); }},
      {"GLASSBOX_LATENCY_BUCKETS", "0.005, 0.01,1",
       [](const Config& c) {
         EXPECT_EQ(c.latency_buckets, (std::vector<double>{0.005, 0.01, 1}));
       }},
      {"GLASSBOX_LATENCY_BUCKETS", "1e-4",
       [](const Config& c) { EXPECT_EQ(c.latency_buckets, (std::vector<double>{0.0001})); }},
      {"COMPUTE_MAX_N", "0", [](const Config& c) { EXPECT_EQ(c.compute_max_n, 0); }},
      {"COMPUTE_MAX_N", "92", [](const Config& c) { EXPECT_EQ(c.compute_max_n, 92); }},
      {"COMPUTE_THREADS", "8", [](const Config& c) { EXPECT_EQ(c.compute_threads, 8u); }},
      {"COMPUTE_QUEUE", "100", [](const Config& c) { EXPECT_EQ(c.compute_queue, 100u); }},
      {"CLEANUP_INTERVAL_SECONDS", "1",
       [](const Config& c) { EXPECT_EQ(c.cleanup_interval, seconds(1)); }},
      {"USER_CACHE_CAPACITY", "0", [](const Config& c) { EXPECT_EQ(c.user_cache_capacity, 0u); }},
      {"GLASSBOX_MAX_HEADER_BYTES", "32768",
       [](const Config& c) { EXPECT_EQ(c.limits.max_header_bytes, 32768u); }},
      {"GLASSBOX_MAX_TARGET_BYTES", "2048",
       [](const Config& c) { EXPECT_EQ(c.limits.max_target_bytes, 2048u); }},
      {"GLASSBOX_MAX_BODY_BYTES", "10",
       [](const Config& c) { EXPECT_EQ(c.limits.max_body_bytes, 10u); }},
      {"GLASSBOX_HEADER_TIMEOUT_SECONDS", "3",
       [](const Config& c) { EXPECT_EQ(c.limits.header_timeout, seconds(3)); }},
      {"GLASSBOX_IDLE_TIMEOUT_SECONDS", "5",
       [](const Config& c) { EXPECT_EQ(c.limits.idle_timeout, seconds(5)); }},
      {"GLASSBOX_MAX_CONNECTIONS", "2",
       [](const Config& c) { EXPECT_EQ(c.limits.max_connections, 2u); }},
      {"GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS", "30",
       [](const Config& c) { EXPECT_EQ(c.limits.shutdown_timeout, seconds(30)); }},
      {"OTEL_SERVICE_NAME", "checkout",
       [](const Config& c) { EXPECT_EQ(c.tracing.service_name, "checkout"); }},
      {"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod, team = a%2Cb%3Dc,",
       [](const Config& c) {
         EXPECT_EQ(c.tracing.resource_attributes,
                   (KeyValues{{"deployment.environment", "prod"}, {"team", "a,b=c"}}));
       }},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json",
       [](const Config& c) { EXPECT_EQ(c.tracing.protocol, OtlpProtocol::kHttpJson); }},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "HTTP/Protobuf",
       [](const Config& c) { EXPECT_EQ(c.tracing.protocol, OtlpProtocol::kHttpProtobuf); }},
      {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=abc%3D%3D,x-tenant=t%201",
       [](const Config& c) {
         EXPECT_EQ(c.tracing.headers, (KeyValues{{"api-key", "abc=="}, {"x-tenant", "t 1"}}));
       }},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500",
       [](const Config& c) { EXPECT_EQ(c.tracing.export_timeout, milliseconds(2500)); }},
      {"OTEL_TRACES_EXPORTER", "console",
       [](const Config& c) { EXPECT_EQ(c.tracing.exporter, TracesExporter::kConsole); }},
      {"OTEL_TRACES_EXPORTER", "none",
       [](const Config& c) { EXPECT_EQ(c.tracing.exporter, TracesExporter::kNone); }},
      {"OTEL_TRACES_SAMPLER", "always_on",
       [](const Config& c) { EXPECT_EQ(c.tracing.sampler, Sampler::kAlwaysOn); }},
      {"OTEL_TRACES_SAMPLER", "always_off",
       [](const Config& c) { EXPECT_EQ(c.tracing.sampler, Sampler::kAlwaysOff); }},
      {"OTEL_TRACES_SAMPLER", "traceidratio",
       [](const Config& c) { EXPECT_EQ(c.tracing.sampler, Sampler::kTraceIdRatio); }},
      {"OTEL_TRACES_SAMPLER", "parentbased_always_off",
       [](const Config& c) { EXPECT_EQ(c.tracing.sampler, Sampler::kParentBasedAlwaysOff); }},
      {"OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
       [](const Config& c) { EXPECT_EQ(c.tracing.sampler, Sampler::kParentBasedTraceIdRatio); }},
      {"OTEL_TRACES_SAMPLER_ARG", "0",
       [](const Config& c) { EXPECT_DOUBLE_EQ(c.tracing.sampler_ratio, 0.0); }},
      {"OTEL_TRACES_SAMPLER_ARG", "0.25",
       [](const Config& c) { EXPECT_DOUBLE_EQ(c.tracing.sampler_ratio, 0.25); }},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "4096",
       [](const Config& c) { EXPECT_EQ(c.tracing.bsp_max_queue_size, 4096u); }},
      {"OTEL_BSP_SCHEDULE_DELAY", "200",
       [](const Config& c) { EXPECT_EQ(c.tracing.bsp_schedule_delay, milliseconds(200)); }},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "2048",
       [](const Config& c) { EXPECT_EQ(c.tracing.bsp_max_export_batch_size, 2048u); }},
      {"OTEL_BSP_EXPORT_TIMEOUT", "1000",
       [](const Config& c) { EXPECT_EQ(c.tracing.bsp_export_timeout, milliseconds(1000)); }},
      {"OTEL_SDK_DISABLED", "TRUE", [](const Config& c) { EXPECT_TRUE(c.tracing.sdk_disabled); }},
      {"OTEL_SDK_DISABLED", "false", [](const Config& c) { EXPECT_FALSE(c.tracing.sdk_disabled); }},
  };
  for (const auto& [variable, value, check] : cases) {
    SCOPED_TRACE(variable + "=" + value);
    try {
      check(parse({{variable, value}}));
    } catch (const ConfigError& error) {
      ADD_FAILURE() << error.what();
    }
  }
}

// ---------------------------------------------------------------------------------------
// Each setting: values that are refused, with the error naming the setting

struct BadValue {
  std::string variable;
  std::string value;
};

TEST(ConfigParsing, RefusesBadValuesNamingTheSetting) {
  const std::vector<BadValue> cases{
      {"GLASSBOX_HOST", "bad host"},
      {"GLASSBOX_PORT", "8080x"},
      {"GLASSBOX_PORT", "-1"},
      {"GLASSBOX_PORT", "65536"},
      {"GLASSBOX_PORT", "99999999999999999999999"},
      {"GLASSBOX_PORT", " 80"},
      {"GLASSBOX_PORT", "+80"},
      {"GLASSBOX_PORT", "0x50"},
      {"GLASSBOX_PORT", "80.0"},
      {"GLASSBOX_THREADS", "1025"},
      {"GLASSBOX_THREADS", "two"},
      {"DATABASE_URL", "mysql://u:p@h/db"},
      {"DATABASE_URL", "sqlite://"},
      {"DATABASE_URL", "data/glassbox.db"},
      {"DATABASE_URL", "sqlite:/data/x.db"},
      {"DATABASE_POOL_SIZE", "0"},
      {"DATABASE_POOL_SIZE", "1025"},
      {"LOG_LEVEL", "verbose"},
      {"LOG_LEVEL", "warning"},
      {"METRICS_PATH", "metrics"},
      {"METRICS_PATH", "/health"},
      {"METRICS_PATH", "/ready"},
      {"METRICS_PATH", "/ready/"},
      {"METRICS_PATH", "/api"},
      {"METRICS_PATH", "/api/users"},
      {"METRICS_PATH", "/compute/5"},
      {"METRICS_PATH", "/ws/events"},
      {"METRICS_PATH", "/metrics?x=1"},
      {"METRICS_PATH", "/my metrics"},
      {"METRICS_PATH", "/m/{id}"},
      {"METRICS_TOKEN", "has space"},
      {"GLASSBOX_LATENCY_BUCKETS", "0.1,0.1"},
      {"GLASSBOX_LATENCY_BUCKETS", "0.5,0.1"},
      {"GLASSBOX_LATENCY_BUCKETS", "0,1"},
      {"GLASSBOX_LATENCY_BUCKETS", "-1"},
      {"GLASSBOX_LATENCY_BUCKETS", "abc"},
      {"GLASSBOX_LATENCY_BUCKETS", "0.1,,0.2"},
      {"GLASSBOX_LATENCY_BUCKETS", "0.1,"},
      {"GLASSBOX_LATENCY_BUCKETS", ","},
      {"GLASSBOX_LATENCY_BUCKETS", "0.1,inf"},
      {"GLASSBOX_LATENCY_BUCKETS", "nan"},
      {"GLASSBOX_LATENCY_BUCKETS", "1e400"},
      {"GLASSBOX_LATENCY_BUCKETS", "0.1s"},
      {"COMPUTE_MAX_N", "93"},
      {"COMPUTE_MAX_N", "-1"},
      {"COMPUTE_THREADS", "1025"},
      {"COMPUTE_QUEUE", "many"},
      {"CLEANUP_INTERVAL_SECONDS", "0"},
      {"CLEANUP_INTERVAL_SECONDS", "1.5"},
      {"CLEANUP_INTERVAL_SECONDS", "60s"},
      {"USER_CACHE_CAPACITY", "-5"},
      {"GLASSBOX_MAX_HEADER_BYTES", "0"},
      {"GLASSBOX_MAX_TARGET_BYTES", "0"},
      {"GLASSBOX_MAX_BODY_BYTES", "0"},
      {"GLASSBOX_MAX_BODY_BYTES", "1MB"},
      {"GLASSBOX_HEADER_TIMEOUT_SECONDS", "0"},
      {"GLASSBOX_IDLE_TIMEOUT_SECONDS", "0"},
      {"GLASSBOX_MAX_CONNECTIONS", "0"},
      {"GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS", "0"},
      {"OTEL_SERVICE_NAME", "a\x01z"},
      {"OTEL_SERVICE_NAME", "\xff"},
      {"OTEL_RESOURCE_ATTRIBUTES", "novalue"},
      {"OTEL_RESOURCE_ATTRIBUTES", "=v"},
      {"OTEL_RESOURCE_ATTRIBUTES", "k=%zz"},
      {"OTEL_RESOURCE_ATTRIBUTES", "k=%4"},
      {"OTEL_RESOURCE_ATTRIBUTES", "k=%ff"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318?x=1"},
      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "grpc://collector:4317"},
      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http:///v1/traces"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "http"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "noequals"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "bad key=v"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "k=a%0D%0AInjected: 1"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "0"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "10s"},
      {"OTEL_TRACES_EXPORTER", "jaeger"},
      {"OTEL_TRACES_EXPORTER", "otlp,console"},
      {"OTEL_TRACES_SAMPLER", "sometimes"},
      {"OTEL_TRACES_SAMPLER_ARG", "1.5"},
      {"OTEL_TRACES_SAMPLER_ARG", "-0.1"},
      {"OTEL_TRACES_SAMPLER_ARG", "half"},
      {"OTEL_TRACES_SAMPLER_ARG", "nan"},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "0"},
      {"OTEL_BSP_SCHEDULE_DELAY", "0"},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0"},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4096"},  // above the default queue of 2048
      {"OTEL_BSP_EXPORT_TIMEOUT", "0"},
      {"OTEL_SDK_DISABLED", "yes"},
      {"OTEL_SDK_DISABLED", "1"},
  };
  for (const auto& [variable, value] : cases) {
    SCOPED_TRACE(variable + "=" + value);
    const auto error = error_for({{variable, value}});
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->setting(), variable);
    EXPECT_TRUE(std::string_view(error->what()).starts_with(variable + ": ")) << error->what();
  }
}

TEST(ConfigParsing, ErrorSaysWhatWasExpectedAndWhatWasGiven) {
  const auto error = error_for({{"GLASSBOX_PORT", "8080x"}});
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(contains(error->what(), "0 to 65535")) << error->what();
  EXPECT_TRUE(contains(error->what(), "'8080x'")) << error->what();
}

TEST(ConfigParsing, ErrorEscapesControlCharactersInTheValue) {
  const auto error = error_for({{"LOG_LEVEL", "info\x1b[2J"}});
  ASSERT_TRUE(error.has_value());
  EXPECT_FALSE(contains(error->what(), "\x1b")) << error->what();
  EXPECT_TRUE(contains(error->what(), "\\x1B")) << error->what();
}

TEST(ConfigParsing, ErrorsNeverEchoSecrets) {
  const std::vector<BadValue> cases{
      {"METRICS_TOKEN", "hunter2 hunter2"},
      {"DATABASE_URL", "mysql://root:hunter2@db/app"},
      {"DATABASE_URL", "root:hunter2@db/app"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer hunter2%0A"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "authorization"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://user:hunter2@collector"},
  };
  for (const auto& [variable, value] : cases) {
    SCOPED_TRACE(variable);
    const auto error = error_for({{variable, value}});
    ASSERT_TRUE(error.has_value());
    EXPECT_FALSE(contains(error->what(), "hunter2")) << error->what();
  }
}

TEST(ConfigParsing, GrpcProtocolIsReportedAsUnsupported) {
  const auto error = error_for({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}});
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(contains(error->what(), "not supported")) << error->what();
}

TEST(ConfigParsing, BatchLargerThanQueueIsRefused) {
  const auto error =
      error_for({{"OTEL_BSP_MAX_QUEUE_SIZE", "100"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "101"}});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->setting(), "OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
  const Config c =
      parse({{"OTEL_BSP_MAX_QUEUE_SIZE", "100"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100"}});
  EXPECT_EQ(c.tracing.bsp_max_export_batch_size, 100u);
}

TEST(ConfigParsing, QueueSmallerThanDefaultBatchShrinksTheBatch) {
  const Config c = parse({{"OTEL_BSP_MAX_QUEUE_SIZE", "100"}});
  EXPECT_EQ(c.tracing.bsp_max_queue_size, 100u);
  EXPECT_EQ(c.tracing.bsp_max_export_batch_size, 100u);
}

// ---------------------------------------------------------------------------------------
// OpenTelemetry specifics

struct EndpointCase {
  Environment environment;
  std::string expected;
};

TEST(ConfigParsing, DerivesTheTracesEndpointAsTheSpecSays) {
  const std::vector<EndpointCase> cases{
      {{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"}},
       "http://collector:4318/v1/traces"},
      {{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"}},
       "http://collector:4318/v1/traces"},
      {{{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://gateway.example.com/otlp"}},
       "https://gateway.example.com/otlp/v1/traces"},
      {{{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/custom"}},
       "http://collector:4318/custom"},
      {{{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://tempo:4318/"}}, "http://tempo:4318/"},
      {{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"},
        {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4318/v1/traces"}},
       "http://traces:4318/v1/traces"},
  };
  for (const auto& [environment, expected] : cases) {
    SCOPED_TRACE(expected);
    EXPECT_EQ(parse(environment).tracing.traces_endpoint, expected);
  }
}

TEST(ConfigParsing, SignalSpecificExporterVariablesWin) {
  const Config c = parse({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"},
                          {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"},
                          {"OTEL_EXPORTER_OTLP_HEADERS", "a=1"},
                          {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=2"},
                          {"OTEL_EXPORTER_OTLP_TIMEOUT", "1000"},
                          {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2000"}});
  EXPECT_EQ(c.tracing.protocol, OtlpProtocol::kHttpJson);
  EXPECT_EQ(c.tracing.headers, (KeyValues{{"b", "2"}}));
  EXPECT_EQ(c.tracing.export_timeout, std::chrono::milliseconds(2000));
}

TEST(ConfigParsing, ServiceNameComesFromResourceAttributesWhenNotSetDirectly) {
  const Config c = parse({{"OTEL_RESOURCE_ATTRIBUTES", "service.name=billing,team=core"}});
  EXPECT_EQ(c.tracing.service_name, "billing");
  EXPECT_EQ(c.tracing.resource_attributes, (KeyValues{{"team", "core"}}));
}

TEST(ConfigParsing, ServiceNameVariableWinsOverResourceAttribute) {
  const Config c = parse(
      {{"OTEL_SERVICE_NAME", "direct"}, {"OTEL_RESOURCE_ATTRIBUTES", "service.name=attribute"}});
  EXPECT_EQ(c.tracing.service_name, "direct");
  EXPECT_TRUE(c.tracing.resource_attributes.empty());
}

TEST(ConfigParsing, RepeatedResourceAttributeKeepsTheLastValue) {
  const Config c = parse({{"OTEL_RESOURCE_ATTRIBUTES", "a=1,b=2,a=3"}});
  EXPECT_EQ(c.tracing.resource_attributes, (KeyValues{{"a", "3"}, {"b", "2"}}));
}

TEST(ConfigParsing, ResourceAttributeValueMayHoldUtf8AndEmptiness) {
  const Config c = parse({{"OTEL_RESOURCE_ATTRIBUTES", "city=M%C3%BCnchen,note="}});
  EXPECT_EQ(c.tracing.resource_attributes, (KeyValues{{"city", "M\xC3\xBCnchen"}, {"note", ""}}));
}

// ---------------------------------------------------------------------------------------
// Secrets from files

TEST(ConfigParsing, MetricsTokenFileIsReadWithoutTrailingNewline) {
  const TempFile file("t0ken\n");
  EXPECT_EQ(parse({{"METRICS_TOKEN_FILE", file.path()}}).metrics_token, "t0ken");
}

TEST(ConfigParsing, SecretFileStripsCrLfToo) {
  const TempFile file("t0ken\r\n");
  EXPECT_EQ(parse({{"METRICS_TOKEN_FILE", file.path()}}).metrics_token, "t0ken");
}

TEST(ConfigParsing, SecretFileStripsOnlyOneNewline) {
  const TempFile file("sqlite://x.db\n\n");
  EXPECT_EQ(parse({{"DATABASE_URL_FILE", file.path()}}).database_url, "sqlite://x.db\n");
}

TEST(ConfigParsing, DatabaseUrlFileIsReadAndValidated) {
  const TempFile good("postgresql://app:pw@db/app\n");
  EXPECT_EQ(parse({{"DATABASE_URL_FILE", good.path()}}).database_url, "postgresql://app:pw@db/app");
  const TempFile bad("mysql://app:hunter2@db/app\n");
  const auto error = error_for({{"DATABASE_URL_FILE", bad.path()}});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->setting(), "DATABASE_URL_FILE");
  EXPECT_FALSE(contains(error->what(), "hunter2")) << error->what();
}

TEST(ConfigParsing, DatabaseUrlFlagWinsOverTheFile) {
  const TempFile file("sqlite://from-file.db");
  EXPECT_EQ(parse({{"DATABASE_URL_FILE", file.path()}}, {"--database-url", "sqlite://flag.db"})
                .database_url,
            "sqlite://flag.db");
}

TEST(ConfigParsing, SecretAndItsFileTogetherAreRefused) {
  const TempFile file("from-file");
  for (const std::string& variable : std::vector<std::string>{"METRICS_TOKEN", "DATABASE_URL"}) {
    const std::string value = variable == "METRICS_TOKEN" ? "hunter2" : "sqlite://hunter2";
    const auto error = error_for({{variable, value}, {variable + "_FILE", file.path()}});
    ASSERT_TRUE(error.has_value()) << variable;
    EXPECT_EQ(error->setting(), variable + "_FILE");
    EXPECT_FALSE(contains(error->what(), "hunter2")) << error->what();
  }
}

TEST(ConfigParsing, UnreadableSecretFileIsRefusedNamingThePath) {
  const std::string missing = ::testing::TempDir() + "/glassbox-no-such-file";
  auto error = error_for({{"METRICS_TOKEN_FILE", missing}});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->setting(), "METRICS_TOKEN_FILE");
  EXPECT_TRUE(contains(error->what(), "glassbox-no-such-file")) << error->what();

  error = error_for({{"METRICS_TOKEN_FILE", ::testing::TempDir()}});  // a directory
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->setting(), "METRICS_TOKEN_FILE");
}

TEST(ConfigParsing, EmptyOrHugeSecretFileIsRefused) {
  const TempFile empty("\n");
  const TempFile huge(std::string(100 * 1024, 'x'));
  for (const TempFile* file : {&empty, &huge}) {
    const auto error = error_for({{"METRICS_TOKEN_FILE", file->path()}});
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->setting(), "METRICS_TOKEN_FILE");
  }
}

// ---------------------------------------------------------------------------------------
// Help text and environment

TEST(ConfigHelp, ListsEveryFlagAndVariable) {
  const std::string help = help_text();
  for (const std::string_view name : {"--host",
                                      "--port",
                                      "--threads",
                                      "--database-url",
                                      "--log-level",
                                      "--help",
                                      "--version",
                                      "GLASSBOX_HOST",
                                      "GLASSBOX_PORT",
                                      "GLASSBOX_THREADS",
                                      "DATABASE_URL",
                                      "DATABASE_URL_FILE",
                                      "DATABASE_POOL_SIZE",
                                      "LOG_LEVEL",
                                      "METRICS_PATH",
                                      "METRICS_TOKEN",
                                      "METRICS_TOKEN_FILE",
                                      "GLASSBOX_LATENCY_BUCKETS",
                                      "COMPUTE_MAX_N",
                                      "COMPUTE_THREADS",
                                      "COMPUTE_QUEUE",
                                      "CLEANUP_INTERVAL_SECONDS",
                                      "USER_CACHE_CAPACITY",
                                      "GLASSBOX_MAX_HEADER_BYTES",
                                      "GLASSBOX_MAX_TARGET_BYTES",
                                      "GLASSBOX_MAX_BODY_BYTES",
                                      "GLASSBOX_HEADER_TIMEOUT_SECONDS",
                                      "GLASSBOX_IDLE_TIMEOUT_SECONDS",
                                      "GLASSBOX_MAX_CONNECTIONS",
                                      "GLASSBOX_SHUTDOWN_TIMEOUT_SECONDS",
                                      "OTEL_SERVICE_NAME",
                                      "OTEL_RESOURCE_ATTRIBUTES",
                                      "OTEL_EXPORTER_OTLP_ENDPOINT",
                                      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                                      "OTEL_EXPORTER_OTLP_PROTOCOL",
                                      "OTEL_EXPORTER_OTLP_HEADERS",
                                      "OTEL_EXPORTER_OTLP_TIMEOUT",
                                      "OTEL_TRACES_EXPORTER",
                                      "OTEL_TRACES_SAMPLER",
                                      "OTEL_TRACES_SAMPLER_ARG",
                                      "OTEL_BSP_MAX_QUEUE_SIZE",
                                      "OTEL_BSP_SCHEDULE_DELAY",
                                      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
                                      "OTEL_BSP_EXPORT_TIMEOUT",
                                      "OTEL_SDK_DISABLED"}) {
    EXPECT_TRUE(contains(help, name)) << name;
  }
}

TEST(ConfigHelp, ShowsDefaultsAndExitCodes) {
  const std::string help = help_text();
  for (const std::string_view text :
       {"8080", "0.0.0.0", "sqlite://data/glassbox.db", "/metrics", "http://localhost:4318",
        "parentbased_always_on", "2048", "30000", "0.0001,0.00025", "clean shutdown",
        "bad configuration"}) {
    EXPECT_TRUE(contains(help, text)) << text;
  }
}

// Finds the column where `value` starts on the line that begins with `variable`.
std::size_t column_of(const std::string& help, std::string_view variable, std::string_view value) {
  std::istringstream lines(help);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("  " + std::string(variable) + " ")) {
      return line.find(value, 2 + variable.size());
    }
  }
  return std::string::npos;
}

TEST(ConfigHelp, AlignsTheColumns) {
  const std::string help = help_text();
  const auto port_default = column_of(help, "GLASSBOX_PORT", "8080");
  const auto endpoint_default = column_of(help, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "unset");
  ASSERT_NE(port_default, std::string::npos);
  EXPECT_EQ(port_default, endpoint_default);
  const auto port_meaning = column_of(help, "GLASSBOX_PORT", "listen port");
  const auto sampler_meaning = column_of(help, "OTEL_TRACES_SAMPLER", "always_on,");
  ASSERT_NE(port_meaning, std::string::npos);
  EXPECT_EQ(port_meaning, sampler_meaning);
}

TEST(ConfigEnvironment, ReadsTheProcessEnvironmentKeepingEqualsInValues) {
  ASSERT_EQ(::setenv("GLASSBOX_CONFIG_TEST_VARIABLE", "a=b=c", 1), 0);
  const auto environment = current_environment();
  ::unsetenv("GLASSBOX_CONFIG_TEST_VARIABLE");
  const auto found = environment.find("GLASSBOX_CONFIG_TEST_VARIABLE");
  ASSERT_NE(found, environment.end());
  EXPECT_EQ(found->second, "a=b=c");
}

}  // namespace
}  // namespace glassbox::app
