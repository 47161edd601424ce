#include "storage/connection_pool.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace glassbox::storage {
namespace {

using namespace std::chrono_literals;

struct FakeConnection {
  int serial = 0;
  bool lost = false;
  bool usable() const { return !lost; }
};

// Opens numbered fake connections, or fails while `down` is set (a database that is off).
struct FakeServer {
  int opened = 0;
  bool down = false;
  ConnectionPool<FakeConnection>::Factory factory() {
    return [this]() -> StoreResult<std::unique_ptr<FakeConnection>> {
      if (down) {
        return StoreError{StoreErrorKind::kUnavailable, "connection refused"};
      }
      return std::make_unique<FakeConnection>(FakeConnection{++opened});
    };
  }
};

TEST(ConnectionPool, OpensConnectionsOnlyWhenNeeded) {
  FakeServer server;
  ConnectionPool<FakeConnection> pool(3, 100ms, server.factory());
  EXPECT_EQ(server.opened, 0);
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease);
  }
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease);
    EXPECT_EQ(lease.value()->serial, 1);
  }
  EXPECT_EQ(server.opened, 1);  // the open connection was reused
}

TEST(ConnectionPool, CountsConnectionsInUseAndIdle) {
  FakeServer server;
  ConnectionPool<FakeConnection> pool(3, 100ms, server.factory());
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    EXPECT_EQ(pool.stats().in_use, 2);
    EXPECT_EQ(pool.stats().idle, 0);
  }
  EXPECT_EQ(pool.stats().in_use, 0);
  EXPECT_EQ(pool.stats().idle, 2);
}

TEST(ConnectionPool, AnswersUnavailableWhenNoConnectionFreesUpInTime) {
  FakeServer server;
  ConnectionPool<FakeConnection> pool(1, 50ms, server.factory());
  auto held = pool.acquire();
  ASSERT_TRUE(held);
  const auto start = std::chrono::steady_clock::now();
  auto second = pool.acquire();
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, StoreErrorKind::kUnavailable);
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 1s);
}

TEST(ConnectionPool, HandsAReleasedConnectionToAWaiter) {
  FakeServer server;
  ConnectionPool<FakeConnection> pool(1, 2s, server.factory());
  std::optional<StoreResult<ConnectionPool<FakeConnection>::Lease>> held(pool.acquire());
  std::thread releaser([&] {
    std::this_thread::sleep_for(20ms);
    held.reset();
  });
  auto second = pool.acquire();
  releaser.join();
  EXPECT_TRUE(second);
}

TEST(ConnectionPool, ReportsAFailedConnectAndKeepsTheSlot) {
  FakeServer server;
  server.down = true;
  ConnectionPool<FakeConnection> pool(1, 50ms, server.factory());
  auto failed = pool.acquire();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, StoreErrorKind::kUnavailable);
  EXPECT_EQ(pool.stats().in_use, 0);
  server.down = false;
  EXPECT_TRUE(pool.acquire());  // the slot was given back, not leaked
}

TEST(ConnectionPool, DropsALostConnectionAndTheIdleOnesThenReconnects) {
  FakeServer server;
  ConnectionPool<FakeConnection> pool(2, 50ms, server.factory());
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    a.value()->lost = true;
  }  // a is dropped; b (idle, from the same dead server) is closed too
  EXPECT_EQ(pool.stats().idle, 0);
  auto fresh = pool.acquire();
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh.value()->serial, 3);
}

}  // namespace
}  // namespace glassbox::storage
