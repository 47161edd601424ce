#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.hpp"

namespace glassbox::storage {
namespace {

// A directory of its own under the system temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "glassbox-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

NewUser new_user(std::string name, std::string email, std::optional<std::int64_t> expires = {}) {
  return NewUser{std::move(name), std::move(email), 1'700'000'000'123, expires};
}

// The same behaviours on the shared in-memory database and on a file with a pool.
class SqliteUserStoreTest : public testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    DatabaseOptions options;
    options.url = GetParam() ? "sqlite://" + (dir_.path() / "nested/dir/test.db").string()
                             : "sqlite://:memory:";
    store_ = open_database(options);
  }
  TempDir dir_;
  std::unique_ptr<UserStore> store_;
};

TEST_P(SqliteUserStoreTest, InsertsAndFindsAUser) {
  auto inserted = store_->insert(new_user("Ada", "ada@example.com", 1'800'000'000'000));
  ASSERT_TRUE(inserted) << inserted.error().detail;
  EXPECT_GT(inserted.value().id, 0);
  EXPECT_EQ(inserted.value().created_at_ms, 1'700'000'000'123);
  EXPECT_EQ(inserted.value().expires_at_ms, 1'800'000'000'000);

  auto found = store_->find(inserted.value().id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found.value().name, "Ada");
  EXPECT_EQ(found.value().email, "ada@example.com");
  EXPECT_EQ(found.value().created_at_ms, 1'700'000'000'123);
  EXPECT_EQ(found.value().expires_at_ms, 1'800'000'000'000);
}

TEST_P(SqliteUserStoreTest, KeepsAMissingExpiryMissing) {
  auto inserted = store_->insert(new_user("Bo", "bo@example.com"));
  ASSERT_TRUE(inserted);
  EXPECT_FALSE(store_->find(inserted.value().id).value().expires_at_ms);
}

TEST_P(SqliteUserStoreTest, StoresUnicodeNamesUnchanged) {
  auto inserted = store_->insert(new_user("Zoë 東京", "zoe@example.com"));
  ASSERT_TRUE(inserted);
  EXPECT_EQ(store_->find(inserted.value().id).value().name, "Zoë 東京");
}

TEST_P(SqliteUserStoreTest, AnswersNotFoundForAnUnknownId) {
  auto found = store_->find(12345);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind, StoreErrorKind::kNotFound);
}

TEST_P(SqliteUserStoreTest, RefusesADuplicateEmailWhateverItsCase) {
  ASSERT_TRUE(store_->insert(new_user("A", "Same@Example.com")));
  auto again = store_->insert(new_user("B", "same@example.COM"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, StoreErrorKind::kDuplicateEmail);
}

TEST_P(SqliteUserStoreTest, ListsByIdWithTheTotalOfAllUsers) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->insert(new_user("u" + std::to_string(i), std::to_string(i) + "@x.org")));
  }
  auto page = store_->list(2, 1);
  ASSERT_TRUE(page) << page.error().detail;
  EXPECT_EQ(page.value().total, 5);
  ASSERT_EQ(page.value().items.size(), 2u);
  EXPECT_EQ(page.value().items[0].name, "u1");
  EXPECT_EQ(page.value().items[1].name, "u2");
  EXPECT_LT(page.value().items[0].id, page.value().items[1].id);
}

TEST_P(SqliteUserStoreTest, ListsAnEmptyPageBeyondTheEndWithTheTotal) {
  ASSERT_TRUE(store_->insert(new_user("a", "a@x.org")));
  auto page = store_->list(10, 5);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page.value().items.empty());
  EXPECT_EQ(page.value().total, 1);

  auto none = store_->list(10, 0);
  ASSERT_TRUE(store_->remove(store_->list(1, 0).value().items[0].id));
  none = store_->list(10, 0);
  ASSERT_TRUE(none);
  EXPECT_EQ(none.value().total, 0);
}

TEST_P(SqliteUserStoreTest, ReplacesNameAndEmailAndKeepsTheTimes) {
  auto user = store_->insert(new_user("Old", "old@x.org", 1'900'000'000'000)).value();
  auto replaced = store_->replace(user.id, "New", "new@x.org");
  ASSERT_TRUE(replaced) << replaced.error().detail;
  EXPECT_EQ(replaced.value().name, "New");
  EXPECT_EQ(replaced.value().email, "new@x.org");
  EXPECT_EQ(replaced.value().created_at_ms, user.created_at_ms);
  EXPECT_EQ(replaced.value().expires_at_ms, user.expires_at_ms);
  EXPECT_EQ(store_->find(user.id).value().name, "New");
}

TEST_P(SqliteUserStoreTest, LetsAUserChangeTheCaseOfTheirOwnEmail) {
  auto user = store_->insert(new_user("A", "a@x.org")).value();
  EXPECT_TRUE(store_->replace(user.id, "A", "A@X.org"));
}

TEST_P(SqliteUserStoreTest, RefusesReplacingWithAnotherUsersEmail) {
  ASSERT_TRUE(store_->insert(new_user("A", "a@x.org")));
  auto b = store_->insert(new_user("B", "b@x.org")).value();
  auto replaced = store_->replace(b.id, "B", "A@x.org");
  ASSERT_FALSE(replaced);
  EXPECT_EQ(replaced.error().kind, StoreErrorKind::kDuplicateEmail);
}

TEST_P(SqliteUserStoreTest, AnswersNotFoundWhenReplacingAnUnknownId) {
  auto replaced = store_->replace(999, "X", "x@x.org");
  ASSERT_FALSE(replaced);
  EXPECT_EQ(replaced.error().kind, StoreErrorKind::kNotFound);
}

TEST_P(SqliteUserStoreTest, RemovesOnce) {
  auto user = store_->insert(new_user("A", "a@x.org")).value();
  EXPECT_TRUE(store_->remove(user.id));
  auto again = store_->remove(user.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, StoreErrorKind::kNotFound);
  EXPECT_EQ(store_->find(user.id).error().kind, StoreErrorKind::kNotFound);
}

TEST_P(SqliteUserStoreTest, NeverReusesTheIdOfADeletedUser) {
  auto first = store_->insert(new_user("A", "a@x.org")).value();
  ASSERT_TRUE(store_->remove(first.id));
  EXPECT_GT(store_->insert(new_user("B", "b@x.org")).value().id, first.id);
}

TEST_P(SqliteUserStoreTest, DeletesOnlyExpiredUsersAndReturnsTheirIds) {
  auto past = store_->insert(new_user("past", "p@x.org", 1000)).value();
  auto now = store_->insert(new_user("now", "n@x.org", 2000)).value();
  auto future = store_->insert(new_user("future", "f@x.org", 3000)).value();
  auto forever = store_->insert(new_user("forever", "e@x.org")).value();

  auto deleted = store_->delete_expired(2000);
  ASSERT_TRUE(deleted) << deleted.error().detail;
  EXPECT_EQ(deleted.value(), (std::vector<std::int64_t>{past.id, now.id}));
  EXPECT_TRUE(store_->find(future.id));
  EXPECT_TRUE(store_->find(forever.id));
  EXPECT_TRUE(store_->delete_expired(2000).value().empty());
}

TEST_P(SqliteUserStoreTest, AnswersPingAndNamesItsSystem) {
  EXPECT_TRUE(store_->ping());
  EXPECT_EQ(store_->system_name(), "sqlite");
}

TEST_P(SqliteUserStoreTest, ServesManyThreadsAtOnce) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string email = std::to_string(t) + "-" + std::to_string(i) + "@x.org";
        auto user = store_->insert(new_user("n", email));
        if (!user || !store_->find(user.value().id) || !store_->list(10, 0)) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->list(1, 0).value().total, kThreads * kPerThread);
  EXPECT_EQ(store_->pool_stats().in_use, 0);
}

INSTANTIATE_TEST_SUITE_P(MemoryAndFile, SqliteUserStoreTest, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& param) {
                           return param.param ? "File" : "Memory";
                         });

}  // namespace
}  // namespace glassbox::storage
