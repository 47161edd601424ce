#pragma once

#include <string_view>

#include "app/config.hpp"
#include "telemetry/trace/trace_pipeline.hpp"

namespace glassbox::app {

// The tracing library's options from the parsed configuration (the telemetry library
// keeps its own types so that it does not depend on the app).
telemetry::trace::TracingOptions to_tracing_options(const TracingConfig& config,
                                                    std::string_view service_version);

}  // namespace glassbox::app
