#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "http/method.hpp"
#include "http/rejection.hpp"
#include "telemetry/metrics/registry.hpp"

namespace glassbox::http {

class Router;
struct Route;

// The RED metrics of the HTTP server, recorded once per request as its response is
// written: http_requests_total{method,route,status}, http_request_duration_seconds,
// http_request_size_bytes and http_response_size_bytes{method,route}, and
// http_requests_in_flight. Labels never come from raw input: `route` is the route's
// template (or "unmatched"), `method` a standard method or OTHER, `status` three digits.
//
// The hot path (record) is lock-free and allocation-free once a (route, method) pair and a
// status have been seen: handles live in a table indexed by the route's dense index and the
// method, filled the first time each pair and status occurs (under a lock, once).
// Thread-safe.
class RequestMetrics {
 public:
  RequestMetrics(telemetry::metrics::Registry& registry,
                 const std::vector<double>& latency_buckets);
  ~RequestMetrics();
  RequestMetrics(const RequestMetrics&) = delete;
  RequestMetrics& operator=(const RequestMetrics&) = delete;

  // Sizes the handle table for the router's routes; call once every route is added.
  void prepare(const Router& router);

  // `route` is nullptr for a request that matched no route (or never got that far).
  void record(const Route* route, Method method, unsigned status, double seconds,
              std::size_t request_bytes, std::size_t response_bytes,
              std::optional<telemetry::metrics::TraceId> trace_id);

  telemetry::metrics::Gauge& in_flight() { return in_flight_; }

  // http_requests_rejected_total{reason}: a request (or connection) refused by the HTTP
  // layer before any handler ran. Every reason is registered at 0 in the constructor, so
  // this is one atomic add: no lookup, no allocation, safe on the refusal path.
  void record_rejection(RejectReason reason) noexcept {
    rejected_[static_cast<std::size_t>(reason)]->inc();
  }

 private:
  static constexpr unsigned kLowestStatus = 100;
  static constexpr unsigned kStatusSlots = 500;  // 100..599

  struct RouteSeries {
    telemetry::metrics::Histogram* duration = nullptr;
    telemetry::metrics::Histogram* request_size = nullptr;
    telemetry::metrics::Histogram* response_size = nullptr;
    std::array<std::atomic<telemetry::metrics::Counter*>, kStatusSlots> by_status{};
    std::string_view route_label;
    Method method = Method::kOther;
  };

  RouteSeries& series(const Route* route, Method method);
  telemetry::metrics::Counter& status_counter(RouteSeries& series, unsigned status);

  telemetry::metrics::CounterFamily& requests_;
  telemetry::metrics::HistogramFamily& duration_;
  telemetry::metrics::HistogramFamily& request_size_;
  telemetry::metrics::HistogramFamily& response_size_;
  telemetry::metrics::Gauge& in_flight_;
  std::array<telemetry::metrics::Counter*, kRejectReasonCount> rejected_{};

  // (route index + 1) * kMethodCount + method; slot 0..kMethodCount-1 is "unmatched".
  std::unique_ptr<std::atomic<RouteSeries*>[]> table_;
  std::size_t table_size_ = 0;
  std::vector<std::string_view> route_labels_;
  std::mutex creation_mutex_;
  std::deque<RouteSeries> storage_;  // stable addresses
};

}  // namespace glassbox::http
