#pragma once

#include <cstdint>
#include <string_view>

namespace glassbox::telemetry::metrics {

enum class Format : std::uint8_t {
  kPrometheusText,  // text format 0.0.4: what promtool and most tools read
  kOpenMetrics,     // OpenMetrics 1.0.0: adds `_created`, exemplars and `# EOF`
};

// "text/plain; version=0.0.4; charset=utf-8" or
// "application/openmetrics-text; version=1.0.0; charset=utf-8".
std::string_view content_type(Format format);

// Content negotiation for /metrics. OpenMetrics is chosen only when the Accept header lists
// application/openmetrics-text (without a version, or version 1.0.0) with a q-value above 0
// and at least as high as the best of text/plain, text/* and */*; the text format otherwise,
// including for a missing, empty or unparsable header. Media types and parameter names are
// compared case-insensitively; a malformed q-value drops its media range.
Format select_format(std::string_view accept_header);

}  // namespace glassbox::telemetry::metrics
