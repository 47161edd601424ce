#include "storage/instrumented_user_store.hpp"

#include <chrono>

#include "telemetry/trace/current_context.hpp"

namespace glassbox::storage {
namespace {

namespace metrics = telemetry::metrics;

constexpr std::array<std::string_view, 7> kOperationNames = {
    "users.insert",         "users.get", "users.list", "users.update", "users.delete",
    "users.delete_expired", "db.ping"};

bool is_database_failure(const StoreError& error) {
  return error.kind == StoreErrorKind::kUnavailable || error.kind == StoreErrorKind::kInternal;
}

}  // namespace

InstrumentedUserStore::InstrumentedUserStore(std::unique_ptr<UserStore> inner,
                                             metrics::Registry& registry,
                                             const std::vector<double>& latency_buckets,
                                             const telemetry::trace::Tracer* tracer,
                                             AvailabilityListener on_availability_change)
    : inner_(std::move(inner)),
      tracer_(tracer),
      on_availability_change_(std::move(on_availability_change)) {
  auto& queries = registry.counter_family("db_queries_total",
                                          "Database calls by logical operation and outcome.",
                                          {"operation", "status"});
  auto& durations = registry.histogram_family(
      "db_query_duration_seconds", "Time a database call took, connection wait included.",
      {"operation"}, latency_buckets);
  for (std::size_t i = 0; i < kCount; ++i) {
    metrics_[i] = OperationMetrics{
        .ok = &queries.with({kOperationNames[i], "ok"}),
        .error = &queries.with({kOperationNames[i], "error"}),
        .duration = &durations.with({kOperationNames[i]}),
    };
  }
  registry.add_collector([store = inner_.get()](metrics::MetricSink& sink) {
    const PoolStats stats = store->pool_stats();
    sink.add(metrics::CollectedFamily{
        .type = metrics::MetricType::kGauge,
        .name = "db_connections",
        .help = "Database connections in the pool, by state.",
        .label_names = {"state"},
        .samples = {{{"idle"}, static_cast<double>(stats.idle)},
                    {{"in_use"}, static_cast<double>(stats.in_use)}},
    });
  });
}

template <class Call>
auto InstrumentedUserStore::measured(Operation operation, Call&& call) {
  telemetry::trace::Span span;
  const telemetry::trace::SpanContext* parent = telemetry::trace::current_context();
  if (tracer_ != nullptr && parent != nullptr) {
    span =
        tracer_->start_span(kOperationNames[operation], telemetry::trace::SpanKind::kClient, parent,
                            {{"db.system.name", inner_->system_name()},
                             {"db.operation.name", kOperationNames[operation]}});
  }
  const auto started = std::chrono::steady_clock::now();
  auto result = call();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  OperationMetrics& metrics = metrics_[operation];
  metrics.duration->observe(elapsed.count());
  const bool failed = !result.ok() && is_database_failure(result.error());
  (failed ? metrics.error : metrics.ok)->inc();
  if (failed) span.set_status(telemetry::trace::StatusCode::kError, result.error().detail);
  // Any answer from the database (a missing row included) means it is reachable.
  const bool unavailable = !result.ok() && result.error().kind == StoreErrorKind::kUnavailable;
  if (available_.exchange(!unavailable) == unavailable && on_availability_change_) {
    on_availability_change_(!unavailable, unavailable ? result.error().detail : "");
  }
  return result;
}

StoreResult<User> InstrumentedUserStore::insert(const NewUser& user) {
  return measured(kInsert, [&] { return inner_->insert(user); });
}

StoreResult<User> InstrumentedUserStore::find(std::int64_t id) {
  return measured(kGet, [&] { return inner_->find(id); });
}

StoreResult<UserPage> InstrumentedUserStore::list(int limit, std::int64_t offset) {
  return measured(kList, [&] { return inner_->list(limit, offset); });
}

StoreResult<User> InstrumentedUserStore::replace(std::int64_t id, std::string_view name,
                                                 std::string_view email) {
  return measured(kUpdate, [&] { return inner_->replace(id, name, email); });
}

StoreResult<Done> InstrumentedUserStore::remove(std::int64_t id) {
  return measured(kDelete, [&] { return inner_->remove(id); });
}

StoreResult<std::vector<std::int64_t>> InstrumentedUserStore::delete_expired(std::int64_t now_ms) {
  return measured(kDeleteExpired, [&] { return inner_->delete_expired(now_ms); });
}

StoreResult<Done> InstrumentedUserStore::ping() {
  return measured(kPing, [&] { return inner_->ping(); });
}

}  // namespace glassbox::storage
