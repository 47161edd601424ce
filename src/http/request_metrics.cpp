#include "http/request_metrics.hpp"

#include <string>

#include "http/router.hpp"

namespace glassbox::http {
namespace {

namespace metrics = telemetry::metrics;

constexpr std::string_view kUnmatchedRoute = "unmatched";

// Body sizes from 64 B to 4 MiB in powers of four: JSON APIs live at the low end, and
// the body limit (1 MiB) sits inside the range.
const std::vector<double> kSizeBuckets = {64,    256,    1024,    4096,   16384,
                                          65536, 262144, 1048576, 4194304};

}  // namespace

RequestMetrics::RequestMetrics(metrics::Registry& registry,
                               const std::vector<double>& latency_buckets)
    : requests_(registry.counter_family("http_requests_total", "HTTP requests answered.",
                                        {"method", "route", "status"})),
      duration_(registry.histogram_family(
          "http_request_duration_seconds",
          "Time from a request's headers being read to its response being written.",
          {"method", "route"}, latency_buckets)),
      request_size_(registry.histogram_family("http_request_size_bytes", "Size of request bodies.",
                                              {"method", "route"}, kSizeBuckets)),
      response_size_(registry.histogram_family("http_response_size_bytes",
                                               "Size of response bodies.", {"method", "route"},
                                               kSizeBuckets)),
      in_flight_(registry.gauge("http_requests_in_flight", "HTTP requests being handled now.")) {
  auto& rejected = registry.counter_family(
      "http_requests_rejected_total",
      "Requests and connections refused by the HTTP layer before any handler ran, by reason.",
      {"reason"});
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    rejected_[i] = &rejected.with({kRejectReasonNames[i]});
  }
}

RequestMetrics::~RequestMetrics() = default;

void RequestMetrics::prepare(const Router& router) {
  route_labels_.clear();
  for (std::size_t i = 0; i < router.route_count(); ++i) {
    route_labels_.push_back(router.route(i).label);
  }
  table_size_ = (router.route_count() + 1) * kMethodCount;
  table_ = std::make_unique<std::atomic<RouteSeries*>[]>(table_size_);
}

RequestMetrics::RouteSeries& RequestMetrics::series(const Route* route, Method method) {
  const std::size_t route_slot = route == nullptr ? 0 : route->index + 1;
  const std::size_t slot = route_slot * kMethodCount + static_cast<std::size_t>(method);
  if (RouteSeries* found = table_[slot].load(std::memory_order_acquire)) return *found;

  const std::lock_guard lock(creation_mutex_);
  if (RouteSeries* found = table_[slot].load(std::memory_order_acquire)) return *found;
  RouteSeries& created = storage_.emplace_back();
  created.route_label =
      route == nullptr ? kUnmatchedRoute : std::string_view(route_labels_[route->index]);
  created.method = method;
  const std::string_view method_label = method_name(method);
  created.duration = &duration_.with({method_label, created.route_label});
  created.request_size = &request_size_.with({method_label, created.route_label});
  created.response_size = &response_size_.with({method_label, created.route_label});
  table_[slot].store(&created, std::memory_order_release);
  return created;
}

metrics::Counter& RequestMetrics::status_counter(RouteSeries& series, unsigned status) {
  if (status < kLowestStatus || status >= kLowestStatus + kStatusSlots) status = 500;
  auto& slot = series.by_status[status - kLowestStatus];
  if (metrics::Counter* found = slot.load(std::memory_order_acquire)) return *found;

  const std::lock_guard lock(creation_mutex_);
  if (metrics::Counter* found = slot.load(std::memory_order_acquire)) return *found;
  const std::string status_label = std::to_string(status);
  metrics::Counter& created =
      requests_.with({method_name(series.method), series.route_label, status_label});
  slot.store(&created, std::memory_order_release);
  return created;
}

void RequestMetrics::record(const Route* route, Method method, unsigned status, double seconds,
                            std::size_t request_bytes, std::size_t response_bytes,
                            std::optional<metrics::TraceId> trace_id) {
  RouteSeries& route_series = series(route, method);
  status_counter(route_series, status).inc();
  if (trace_id) {
    route_series.duration->observe(seconds, *trace_id);
  } else {
    route_series.duration->observe(seconds);
  }
  route_series.request_size->observe(static_cast<double>(request_bytes));
  route_series.response_size->observe(static_cast<double>(response_bytes));
}

}  // namespace glassbox::http
