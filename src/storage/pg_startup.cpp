#include <algorithm>
#include <thread>

#include "storage/database_url.hpp"
#include "storage/pg_migrations.hpp"
#include "storage/pg_user_store.hpp"

// Start-up against PostgreSQL: wait for the server (a database container may start beside
// this one), migrate, then hand out the store.
namespace glassbox::storage {
namespace {

constexpr std::chrono::milliseconds kFirstRetryDelay{250};
constexpr std::chrono::milliseconds kMaxRetryDelay{2000};

std::unique_ptr<PgConnection> connect_when_up(const PostgresqlTarget& target,
                                              const DatabaseOptions& options) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + options.startup_wait;
  std::chrono::milliseconds delay = kFirstRetryDelay;
  for (int attempt = 1;; ++attempt) {
    auto connection = PgConnection::open(target.url, options.connect_timeout);
    if (connection) {
      return std::move(connection.value());
    }
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      throw StartupError("DATABASE_URL: PostgreSQL still unreachable after " +
                         std::to_string(options.startup_wait.count()) + " s (" +
                         std::to_string(attempt) + " attempts): " + connection.error().detail);
    }
    if (options.on_event) {
      options.on_event("waiting for PostgreSQL (attempt " + std::to_string(attempt) +
                       "): " + connection.error().detail);
    }
    std::this_thread::sleep_for(
        std::min(delay, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
    delay = std::min(delay * 2, kMaxRetryDelay);
  }
}

}  // namespace

std::unique_ptr<UserStore> open_postgresql_store(const PostgresqlTarget& target,
                                                 const DatabaseOptions& options) {
  {
    // A connection of its own: the pool's connections never hold the migration lock.
    std::unique_ptr<PgConnection> connection = connect_when_up(target, options);
    migrate_postgresql(*connection, options.on_event);
  }
  return std::make_unique<PgUserStore>(target, options);
}

}  // namespace glassbox::storage
