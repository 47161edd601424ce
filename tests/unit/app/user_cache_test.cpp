#include "app/user_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace glassbox::app {
namespace {

void put(UserCache& cache, std::int64_t id, std::string json) {
  cache.put_if_unchanged(id, std::move(json), cache.generation());
}

TEST(UserCache, MissesWhenEmpty) {
  UserCache cache(4);
  EXPECT_FALSE(cache.get(1).has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST(UserCache, ReturnsWhatWasStoredPerId) {
  UserCache cache(4);
  put(cache, 1, R"({"id":1})");
  put(cache, 2, R"({"id":2})");
  EXPECT_EQ(cache.get(1), R"({"id":1})");
  EXPECT_EQ(cache.get(2), R"({"id":2})");
  EXPECT_FALSE(cache.get(3).has_value());
}

TEST(UserCache, EvictsLeastRecentlyUsed) {
  UserCache cache(2);
  put(cache, 1, "one");
  put(cache, 2, "two");
  ASSERT_TRUE(cache.get(1).has_value());  // 2 is now the least recently used
  put(cache, 3, "three");
  EXPECT_EQ(cache.get(1), "one");
  EXPECT_FALSE(cache.get(2).has_value());
  EXPECT_EQ(cache.get(3), "three");
}

TEST(UserCache, EvictsOldestInsertionWhenNothingWasRead) {
  UserCache cache(2);
  put(cache, 1, "one");
  put(cache, 2, "two");
  put(cache, 3, "three");
  EXPECT_FALSE(cache.get(1).has_value());
  EXPECT_EQ(cache.get(2), "two");
  EXPECT_EQ(cache.get(3), "three");
}

TEST(UserCache, ReplacingAnEntryUpdatesItWithoutGrowingAndRefreshesRecency) {
  UserCache cache(2);
  put(cache, 1, "one");
  put(cache, 2, "two");
  put(cache, 1, "one v2");  // 2 becomes the least recently used
  EXPECT_EQ(cache.size(), 2u);
  put(cache, 3, "three");
  EXPECT_EQ(cache.get(1), "one v2");
  EXPECT_FALSE(cache.get(2).has_value());
}

TEST(UserCache, NeverHoldsMoreThanItsCapacity) {
  UserCache cache(10);
  for (std::int64_t id = 0; id < 1000; ++id) {
    put(cache, id, std::to_string(id));
  }
  EXPECT_EQ(cache.size(), 10u);
  EXPECT_EQ(cache.capacity(), 10u);
  for (std::int64_t id = 990; id < 1000; ++id) {
    EXPECT_EQ(cache.get(id), std::to_string(id));
  }
  EXPECT_FALSE(cache.get(989).has_value());
}

TEST(UserCache, CapacityZeroStoresNothing) {
  UserCache cache(0);
  put(cache, 1, "one");
  EXPECT_FALSE(cache.get(1).has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST(UserCache, InvalidateRemovesOnlyThatEntry) {
  UserCache cache(4);
  put(cache, 1, "one");
  put(cache, 2, "two");
  cache.invalidate(1);
  EXPECT_FALSE(cache.get(1).has_value());
  EXPECT_EQ(cache.get(2), "two");
  EXPECT_EQ(cache.size(), 1u);
}

TEST(UserCache, ClearRemovesEverything) {
  UserCache cache(4);
  put(cache, 1, "one");
  put(cache, 2, "two");
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.get(1).has_value());
  EXPECT_FALSE(cache.get(2).has_value());
}

TEST(UserCache, ReadRacingWriteDoesNotRestoreStaleValue) {
  UserCache cache(4);
  // A reader misses, notes the generation and reads the old row from the database...
  const auto seen = cache.generation();
  // ...meanwhile a writer updates the row and invalidates (the id was not even cached)...
  cache.invalidate(7);
  // ...and the reader's late put must not bring the old row back.
  cache.put_if_unchanged(7, "stale", seen);
  EXPECT_FALSE(cache.get(7).has_value());
}

TEST(UserCache, ReadRacingClearDoesNotRestoreStaleValue) {
  UserCache cache(4);
  const auto seen = cache.generation();
  cache.clear();
  cache.put_if_unchanged(7, "stale", seen);
  EXPECT_FALSE(cache.get(7).has_value());
}

TEST(UserCache, StalePutDoesNotOverwriteAFresherEntry) {
  UserCache cache(4);
  const auto seen = cache.generation();
  cache.invalidate(7);
  put(cache, 7, "fresh");
  cache.put_if_unchanged(7, "stale", seen);
  EXPECT_EQ(cache.get(7), "fresh");
}

TEST(UserCache, ReadAfterTheWriteIsStored) {
  UserCache cache(4);
  cache.invalidate(7);
  const auto seen = cache.generation();
  cache.put_if_unchanged(7, "fresh", seen);
  EXPECT_EQ(cache.get(7), "fresh");
}

TEST(UserCache, GenerationAdvancesOnEveryInvalidation) {
  UserCache cache(4);
  const auto start = cache.generation();
  cache.invalidate(1);
  const auto after_invalidate = cache.generation();
  cache.clear();
  EXPECT_GT(after_invalidate, start);
  EXPECT_GT(cache.generation(), after_invalidate);
}

TEST(UserCache, StaysBoundedAndConsistentUnderConcurrentUse) {
  constexpr std::size_t kCapacity = 8;
  UserCache cache(kCapacity);
  std::atomic<bool> wrong_value{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &wrong_value, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::int64_t id = (i * 7 + t) % 32;
        if (const auto value = cache.get(id); value && *value != std::to_string(id)) {
          wrong_value = true;
        }
        if (i % 5 == 0) {
          cache.invalidate(id);
        } else {
          put(cache, id, std::to_string(id));
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_FALSE(wrong_value.load());
  EXPECT_LE(cache.size(), kCapacity);
}

}  // namespace
}  // namespace glassbox::app
