// SqliteEventStore against the EventStore contract shared by every store, plus what only a
// file-backed store has: reopening keeps everything.
#include "service/store/sqlite_event_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/service/store/event_store_contract.h"

namespace liveevents::service::testing {
namespace {

// A fresh database file per store; the folder is removed when the test binary exits.
std::string FreshDatabasePath() {
  static const std::filesystem::path dir = [] {
    auto path = std::filesystem::temp_directory_path() /
                (absl::StrCat("liveevents-sqlite-test-", ::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
    std::atexit([] { std::filesystem::remove_all(dir); });
    return path;
  }();
  static std::atomic<int> counter{0};
  return (dir / (absl::StrCat("journal-", counter++) + ".db")).string();
}

std::unique_ptr<EventStore> MakeSqliteStore() {
  auto store = SqliteEventStore::Open(FreshDatabasePath());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, EventStoreContractTest,
                         ::testing::Values(EventStoreFactory{"Sqlite", MakeSqliteStore}),
                         EventStoreFactoryName);

TEST(SqliteEventStoreTest, ReopeningKeepsEventsBoundsAndState) {
  const std::string path = FreshDatabasePath();
  {
    auto store = SqliteEventStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    std::vector<EventPtr> batch;
    for (uint64_t revision = 1; revision <= 3; ++revision) {
      auto event = std::make_shared<v1::Event>();
      event->set_revision(revision);
      event->set_dedup_key(absl::StrCat("key-", revision));
      event->set_command("Live.CallbackAfterCreateRoom");
      batch.push_back(std::move(event));
    }
    StateChanges state;
    state.written = {{.key = "room", .value = "state"}};
    ASSERT_TRUE((*store)->Commit(batch, &state).ok());
  }
  auto reopened = SqliteEventStore::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->HeadRevision(), 3u);
  EXPECT_EQ((*reopened)->OldestRevision(), 1u);
  auto events = (*reopened)->ReadAfter(1, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1]->dedup_key(), "key-3");
  auto state = (*reopened)->LoadState();
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->revision, 3u);
  ASSERT_EQ(state->rows.size(), 1u);
  EXPECT_EQ(state->rows[0].value, "state");
}

// A database written before the state was kept as rows (schema version 0, with whole-state
// snapshots) is refused with the remedy, not misread.
TEST(SqliteEventStoreTest, ADatabaseFromAnEarlierSchemaIsRefusedWithTheRemedy) {
  const std::string path = FreshDatabasePath();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE events (revision INTEGER PRIMARY KEY, dedup_key TEXT NOT "
                         "NULL UNIQUE, received_ms INTEGER NOT NULL, event BLOB NOT NULL);"
                         "CREATE TABLE snapshot (id INTEGER PRIMARY KEY, revision INTEGER, "
                         "state BLOB);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteEventStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(store.status().message(), "empty --data_dir")) << store.status();
}

TEST(SqliteEventStoreTest, OpeningAnUnwritablePathFails) {
  EXPECT_FALSE(SqliteEventStore::Open("/proc/no-such-dir/journal.db").ok());
}

}  // namespace
}  // namespace liveevents::service::testing
