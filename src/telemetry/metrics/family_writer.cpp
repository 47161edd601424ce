#include "telemetry/metrics/family_writer.hpp"

#include "telemetry/metrics/names.hpp"
#include "telemetry/metrics/number_format.hpp"
#include "telemetry/metrics/text_escape.hpp"

namespace glassbox::telemetry::metrics::detail {
namespace {

void append_counter_value(std::string& out, const Counter::Value& value) {
  if (value.fraction == 0) {
    append_unsigned(out, value.integer);
  } else {
    append_double(out, static_cast<double>(value.integer) + value.fraction);
  }
}

// `le` label texts for a family's bounds, then "+Inf"; rendered once per family and scrape.
std::vector<std::string> bucket_bound_texts(std::span<const double> bounds) {
  std::vector<std::string> texts;
  texts.reserve(bounds.size() + 1);
  for (const double bound : bounds) {
    texts.emplace_back();
    append_bucket_bound(texts.back(), bound);
  }
  texts.emplace_back("+Inf");
  return texts;
}

}  // namespace

void FamilyWriter::metadata(MetricType type, const std::string& name, const std::string& help) {
  if (format_ == Format::kPrometheusText) {
    if (!help.empty()) {
      out_.append("# HELP ").append(name).push_back(' ');
      append_escaped_help_text(out_, help);
      out_.push_back('\n');
    }
    out_.append("# TYPE ").append(name).append(" ").append(type_name(type)).push_back('\n');
    return;
  }
  const std::string_view family = openmetrics_family_name(type, name);
  out_.append("# TYPE ").append(family).append(" ").append(type_name(type)).push_back('\n');
  if (!help.empty()) {
    out_.append("# HELP ").append(family).push_back(' ');
    append_escaped_help_openmetrics(out_, help);
    out_.push_back('\n');
  }
}

// `name` + `suffix` + `{labels}` + ' ', ready for the value.
void FamilyWriter::sample_name(std::string_view name, std::string_view suffix,
                               std::string_view labels) {
  out_.append(name).append(suffix);
  if (!labels.empty()) {
    out_.push_back('{');
    out_.append(labels);
    out_.push_back('}');
  }
  out_.push_back(' ');
}

void FamilyWriter::created(std::string_view family_name, std::string_view labels,
                           std::int64_t nanos) {
  sample_name(family_name, "_created", labels);
  append_epoch_seconds(out_, nanos);
  out_.push_back('\n');
}

void FamilyWriter::exemplar(const Exemplar& exemplar) {
  out_.append(" # {").append(kExemplarLabelName).append("=\"");
  append_trace_id(out_, exemplar.trace_id);
  out_.append("\"} ");
  append_double(out_, exemplar.value);
  out_.push_back(' ');
  append_epoch_seconds(out_, exemplar.timestamp_nanos);
}

void FamilyWriter::write(const CounterFamily& family) {
  if (family.size() == 0) {
    return;
  }
  metadata(MetricType::kCounter, family.name(), family.help());
  const std::string_view om_name = openmetrics_family_name(MetricType::kCounter, family.name());
  family.for_each_series([&](const CounterFamily::Series& series) {
    if (format_ == Format::kPrometheusText) {
      sample_name(family.name(), "", series.rendered_labels);
    } else {
      sample_name(om_name, "_total", series.rendered_labels);
    }
    append_counter_value(out_, series.metric.exact_value());
    out_.push_back('\n');
    if (format_ == Format::kOpenMetrics) {
      created(om_name, series.rendered_labels, series.created_nanos);
    }
  });
}

void FamilyWriter::write(const GaugeFamily& family) {
  if (family.size() == 0) {
    return;
  }
  metadata(MetricType::kGauge, family.name(), family.help());
  family.for_each_series([&](const GaugeFamily::Series& series) {
    sample_name(family.name(), "", series.rendered_labels);
    append_double(out_, series.metric.value());
    out_.push_back('\n');
  });
}

void FamilyWriter::bucket_lines(std::string_view name, std::string_view labels,
                                const std::vector<std::string>& bounds) {
  for (std::size_t bucket = 0; bucket < bounds.size(); ++bucket) {
    out_.append(name).append("_bucket{").append(labels);
    out_.append(labels.empty() ? "le=\"" : ",le=\"").append(bounds[bucket]).append("\"} ");
    append_unsigned(out_, snapshot_.cumulative_counts[bucket]);
    if (format_ == Format::kOpenMetrics && snapshot_.exemplars[bucket]) {
      exemplar(*snapshot_.exemplars[bucket]);
    }
    out_.push_back('\n');
  }
}

void FamilyWriter::write(const HistogramFamily& family) {
  if (family.size() == 0) {
    return;
  }
  metadata(MetricType::kHistogram, family.name(), family.help());
  const std::vector<std::string> bounds = bucket_bound_texts(*family.config().upper_bounds);
  const std::string& name = family.name();
  family.for_each_series([&](const HistogramFamily::Series& series) {
    series.metric.snapshot(snapshot_);
    bucket_lines(name, series.rendered_labels, bounds);
    const auto write_sum = [&] {
      sample_name(name, "_sum", series.rendered_labels);
      append_double(out_, snapshot_.sum);
      out_.push_back('\n');
    };
    const auto write_count = [&] {
      sample_name(name, "_count", series.rendered_labels);
      append_unsigned(out_, snapshot_.count());
      out_.push_back('\n');
    };
    if (format_ == Format::kPrometheusText) {
      write_sum();
      write_count();
    } else {
      write_count();
      write_sum();
      created(name, series.rendered_labels, series.created_nanos);
    }
  });
}

void FamilyWriter::write(const CollectedFamily& family) {
  if (family.samples.empty()) {
    return;
  }
  metadata(family.type, family.name, family.help);
  const bool openmetrics_counter =
      format_ == Format::kOpenMetrics && family.type == MetricType::kCounter;
  const std::string_view name =
      openmetrics_counter ? openmetrics_family_name(family.type, family.name) : family.name;
  for (const CollectedSample& sample : family.samples) {
    labels_ = render_labels(family.label_names, sample.label_values);
    sample_name(name, openmetrics_counter ? "_total" : "", labels_);
    append_double(out_, sample.value);
    out_.push_back('\n');
  }
}

}  // namespace glassbox::telemetry::metrics::detail
