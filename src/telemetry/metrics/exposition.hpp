#pragma once

#include <string>

#include "telemetry/metrics/format.hpp"
#include "telemetry/metrics/registry.hpp"

// The wire formats, kept apart from the registry and from HTTP: a registry in, text out.
namespace glassbox::telemetry::metrics {

// Appends the exposition of every family in `registry` to `out` (nothing is cleared, so a
// buffer kept between scrapes is reused without reallocating). Families come in name order,
// series in label-value order; families without series are left out.
//
// Text format 0.0.4: HELP then TYPE, samples named as registered, histograms as
// `_bucket` (cumulative, `le` in OpenMetrics' canonical spelling, last "+Inf"), `_sum`,
// `_count`. OpenMetrics 1.0: TYPE then HELP under the family name (a counter's without
// `_total`), counters as `_total` plus `_created`, histograms as buckets with their
// exemplars (` # {trace_id="..."} value timestamp`), `_count`, `_sum`, `_created`, and
// `# EOF` as the last line.
//
// Thread-safe; runs the registry's collectors on the calling thread. Recording threads are
// never blocked; a with() creating a new series waits for its family to be written out.
void serialize(const Registry& registry, Format format, std::string& out);

// serialize() into a new string.
std::string render(const Registry& registry, Format format);

}  // namespace glassbox::telemetry::metrics
