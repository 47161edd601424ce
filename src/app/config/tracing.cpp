// OpenTelemetry settings (names and formats from the OpenTelemetry SDK environment variable
// spec).

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/config/key_values.hpp"
#include "app/config/settings.hpp"
#include "app/config/text.hpp"
#include "app/config/values.hpp"
#include "app/user_validation.hpp"

namespace glassbox::app::config_detail {
namespace {

constexpr std::uint64_t kMaxSpanQueue = 10'000'000;

void apply_resource(const SettingSource& source, TracingConfig& tracing) {
  if (const auto raw = source.get("OTEL_RESOURCE_ATTRIBUTES")) {
    tracing.resource_attributes =
        without_duplicate_keys(parse_key_values(*raw, ListKind::kResourceAttributes));
  }
  auto& attributes = tracing.resource_attributes;
  const auto service = std::find_if(attributes.begin(), attributes.end(),
                                    [](const auto& pair) { return pair.first == "service.name"; });
  // The spec gives OTEL_SERVICE_NAME precedence over service.name in the attributes; the
  // attribute is moved out so that nobody emits service.name twice.
  if (service != attributes.end()) {
    if (!service->second.empty()) {
      tracing.service_name = service->second;
    }
    attributes.erase(service);
  }
  if (const auto raw = source.get("OTEL_SERVICE_NAME")) {
    const bool control_free = std::none_of(raw->text.begin(), raw->text.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (!utf8_code_points(raw->text) || !control_free) {
      fail(*raw, "a name of valid UTF-8 without control characters");
    }
    tracing.service_name = raw->text;
  }
}

// Checks an OTLP/HTTP URL. Only the scheme is echoed: an endpoint may embed credentials.
void check_endpoint(const RawValue& raw, bool is_base) {
  const std::string_view url = raw.text;
  const bool http = istarts_with(url, "http://") || istarts_with(url, "https://");
  if (!http) {
    throw ConfigError(raw.source,
                      "expected an http:// or https:// URL, got " + describe_scheme(url));
  }
  const auto rest = url.substr(url.find("://") + 3);
  const bool has_host =
      !rest.empty() && rest.front() != '/' && rest.front() != '?' && rest.front() != '#';
  const bool printable = std::all_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!has_host || !printable) {
    throw ConfigError(raw.source,
                      "expected an http:// or https:// URL with a host and without spaces " +
                          std::string(kSecretNotShown));
  }
  if (is_base && url.find_first_of("?#") != std::string_view::npos) {
    throw ConfigError(raw.source,
                      "expected a base URL without query or fragment, since /v1/traces is "
                      "appended to it " +
                          std::string(kSecretNotShown));
  }
}

void apply_endpoint(const SettingSource& source, TracingConfig& tracing) {
  if (const auto raw = source.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    check_endpoint(*raw, false);
    tracing.traces_endpoint = raw->text;
    return;
  }
  if (const auto raw = source.get("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    check_endpoint(*raw, true);
    std::string_view base = raw->text;
    if (base.ends_with('/')) {
      base.remove_suffix(1);
    }
    tracing.traces_endpoint = std::string(base) + "/v1/traces";
  }
}

void apply_exporter(const SettingSource& source, TracingConfig& tracing) {
  apply_endpoint(source, tracing);
  if (const auto raw =
          source.first_of({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"})) {
    if (iequals(raw->text, "grpc")) {
      throw ConfigError(raw->source,
                        "expected http/protobuf or http/json, got 'grpc', which is "
                        "not supported (use an OTLP/HTTP endpoint, port 4318)");
    }
    constexpr std::array<Choice<OtlpProtocol>, 2> kProtocols{
        {{"http/protobuf", OtlpProtocol::kHttpProtobuf}, {"http/json", OtlpProtocol::kHttpJson}}};
    tracing.protocol = parse_choice(*raw, kProtocols);
  }
  // Headers often carry credentials, so each has a _FILE variant (a mounted secret).
  auto headers = source.get_secret("OTEL_EXPORTER_OTLP_TRACES_HEADERS");
  if (!headers) headers = source.get_secret("OTEL_EXPORTER_OTLP_HEADERS");
  if (headers) {
    tracing.headers = parse_key_values(*headers, ListKind::kHeaders);
  }
  set_milliseconds(source, "OTEL_EXPORTER_OTLP_TIMEOUT", tracing.export_timeout,
                   {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"});
  if (const auto raw = source.get("OTEL_TRACES_EXPORTER")) {
    constexpr std::array<Choice<TracesExporter>, 3> kExporters{
        {{"otlp", TracesExporter::kOtlp},
         {"console", TracesExporter::kConsole},
         {"none", TracesExporter::kNone}}};
    tracing.exporter = parse_choice(*raw, kExporters);
  }
}

void apply_sampler(const SettingSource& source, TracingConfig& tracing) {
  if (const auto raw = source.get("OTEL_TRACES_SAMPLER")) {
    constexpr std::array<Choice<Sampler>, 6> kSamplers{
        {{"always_on", Sampler::kAlwaysOn},
         {"always_off", Sampler::kAlwaysOff},
         {"traceidratio", Sampler::kTraceIdRatio},
         {"parentbased_always_on", Sampler::kParentBasedAlwaysOn},
         {"parentbased_always_off", Sampler::kParentBasedAlwaysOff},
         {"parentbased_traceidratio", Sampler::kParentBasedTraceIdRatio}}};
    tracing.sampler = parse_choice(*raw, kSamplers);
  }
  if (const auto raw = source.get("OTEL_TRACES_SAMPLER_ARG")) {
    constexpr std::string_view kExpected = "a sampling ratio from 0 to 1";
    const double ratio = parse_number(*raw, kExpected);
    if (ratio < 0 || ratio > 1) {
      fail(*raw, kExpected);
    }
    tracing.sampler_ratio = ratio;
  }
}

void apply_batch_processor(const SettingSource& source, TracingConfig& tracing) {
  set_integer(source, "OTEL_BSP_MAX_QUEUE_SIZE", tracing.bsp_max_queue_size, 1, kMaxSpanQueue);
  set_milliseconds(source, "OTEL_BSP_SCHEDULE_DELAY", tracing.bsp_schedule_delay);
  set_integer(source, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", tracing.bsp_max_export_batch_size, 1,
              kMaxSpanQueue);
  set_milliseconds(source, "OTEL_BSP_EXPORT_TIMEOUT", tracing.bsp_export_timeout);
  if (tracing.bsp_max_export_batch_size <= tracing.bsp_max_queue_size) {
    return;
  }
  // The spec requires batch <= queue. Only an explicit batch size is a mistake; a small
  // queue alone shrinks the default batch to fit, as the Go SDK does.
  const auto batch = source.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
  if (!batch) {
    tracing.bsp_max_export_batch_size = tracing.bsp_max_queue_size;
    return;
  }
  fail(*batch,
       "at most OTEL_BSP_MAX_QUEUE_SIZE (" + std::to_string(tracing.bsp_max_queue_size) + ")");
}

}  // namespace

void apply_tracing(const SettingSource& source, TracingConfig& tracing) {
  apply_resource(source, tracing);
  apply_exporter(source, tracing);
  apply_sampler(source, tracing);
  apply_batch_processor(source, tracing);
  if (const auto raw = source.get("OTEL_SDK_DISABLED")) {
    tracing.sdk_disabled = parse_bool(*raw);
  }
}

}  // namespace glassbox::app::config_detail
