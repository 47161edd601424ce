#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace glassbox::telemetry::trace {

// The one InstrumentationScope every Glassbox span is exported under, and the SDK name.
inline constexpr std::string_view kInstrumentationScopeName = "glassbox";
inline constexpr std::string_view kSdkName = "glassbox";

struct ResourceOptions {
  std::string service_name = "glassbox";  // OTEL_SERVICE_NAME
  std::string service_version;            // the build's version
  std::string service_instance_id;        // "": a random UUID made by make_resource
  std::string host_name;                  // "": gethostname()
  // OTEL_RESOURCE_ATTRIBUTES, already split into pairs.
  std::vector<std::pair<std::string, std::string>> extra_attributes;
};

// The attributes describing this process, in a fixed order with unique keys.
struct Resource {
  std::vector<std::pair<std::string, std::string>> attributes;

  std::optional<std::string_view> find(std::string_view key) const noexcept;
};

// service.name, service.version, service.instance.id, host.name, telemetry.sdk.language
// (cpp), telemetry.sdk.name, telemetry.sdk.version, then the extra pairs. Precedence follows
// the OpenTelemetry resource spec: an extra pair overrides a detected value (version,
// instance id, host name), but service.name always comes from `service_name` (as
// OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES) and telemetry.sdk.* cannot be
// overridden. Pairs with an empty key are ignored; a repeated key keeps its last value.
// Thread-safe; throws only std::bad_alloc.
Resource make_resource(const ResourceOptions& options);

}  // namespace glassbox::telemetry::trace
