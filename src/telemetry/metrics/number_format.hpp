#pragma once

#include <cstdint>
#include <string>

// Number spelling for both exposition formats. Appends only; never allocates beyond the
// growth of `out`.
namespace glassbox::telemetry::metrics {

// The shortest text that reads back as the same double, laid out like Go's
// strconv.FormatFloat(v, 'g', -1, 64) (what Prometheus' own clients print): exponent form
// below 1e-4 and from 1e+06 up ("1e-05", "0.0001", "100000", "1e+06", "1.5e+09").
// Non-finite values are spelled "+Inf", "-Inf" and "NaN".
void append_double(std::string& out, double value);

// A bucket bound for the `le` label in OpenMetrics' canonical form: append_double() plus
// ".0" when the text has neither a point nor an exponent ("1.0", "0.25", "1e+06").
// Both formats use it, so a series keeps one `le` whichever format a scraper asks for.
void append_bucket_bound(std::string& out, double bound);

void append_unsigned(std::string& out, std::uint64_t value);

// Epoch nanoseconds as seconds with millisecond precision, never in exponent form:
// 1520430000123000000 -> "1520430000.123" (the form OpenMetrics timestamps take).
void append_epoch_seconds(std::string& out, std::int64_t epoch_nanos);

}  // namespace glassbox::telemetry::metrics
