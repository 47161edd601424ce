#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "storage/user_store.hpp"
#include "telemetry/metrics/registry.hpp"
#include "telemetry/trace/tracer.hpp"

namespace glassbox::storage {

// A UserStore that measures and traces every call of the store it wraps. Each call is a
// CLIENT span (db.system.name, db.operation.name), child of the thread's current context
// (telemetry/trace/current_context.hpp) when there is one. Metrics: db_queries_total{operation,
// status} and db_query_duration_seconds{operation}, with `operation` a fixed logical name
// (users.get, users.insert, ...), never SQL; and db_connections{state} read from the pool at
// scrape time. status="error" means the database failed (unavailable or an internal error);
// a missing row or a duplicate e-mail is an answer, so it counts as "ok".
//
// Thread-safe as the wrapped store is; the handles are resolved in the constructor, so a
// call costs two clock reads and two atomic adds on top of the query. The registry must
// outlive this object only as long as scrapes happen (the pool collector reads `inner`).
class InstrumentedUserStore final : public UserStore {
 public:
  // Called when the database goes from answering to unavailable (false, with the error)
  // and back (true): once per transition, not per call. Any thread; must not block.
  using AvailabilityListener = std::function<void(bool available, std::string_view detail)>;

  // `tracer` may be null (no spans) and must outlive this object.
  InstrumentedUserStore(std::unique_ptr<UserStore> inner, telemetry::metrics::Registry& registry,
                        const std::vector<double>& latency_buckets,
                        const telemetry::trace::Tracer* tracer = nullptr,
                        AvailabilityListener on_availability_change = {});

  StoreResult<User> insert(const NewUser& user) override;
  StoreResult<User> find(std::int64_t id) override;
  StoreResult<UserPage> list(int limit, std::int64_t offset) override;
  StoreResult<User> replace(std::int64_t id, std::string_view name,
                            std::string_view email) override;
  StoreResult<Done> remove(std::int64_t id) override;
  StoreResult<std::vector<std::int64_t>> delete_expired(std::int64_t now_ms) override;
  StoreResult<Done> ping() override;
  std::string_view system_name() const override { return inner_->system_name(); }
  PoolStats pool_stats() const override { return inner_->pool_stats(); }

 private:
  enum Operation : std::size_t {
    kInsert,
    kGet,
    kList,
    kUpdate,
    kDelete,
    kDeleteExpired,
    kPing,
    kCount
  };
  struct OperationMetrics {
    telemetry::metrics::Counter* ok = nullptr;
    telemetry::metrics::Counter* error = nullptr;
    telemetry::metrics::Histogram* duration = nullptr;
  };

  template <class Call>
  auto measured(Operation operation, Call&& call);

  std::unique_ptr<UserStore> inner_;
  const telemetry::trace::Tracer* tracer_;
  AvailabilityListener on_availability_change_;
  std::atomic<bool> available_{true};
  std::array<OperationMetrics, kCount> metrics_;
};

}  // namespace glassbox::storage
