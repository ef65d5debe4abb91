// The sequencing contract every journal keeps, whoever decides revisions: the local Journal on
// the memory and SQLite stores, and the RedisJournal on a real redis-server (a typed suite, one
// harness per store). Append a batch -> {revision, duplicate} for each event; dedup within and
// across batches; the committed events follow in revision order, to the listener and to reads
// after a revision; retention trims the oldest (a resume point before it is REVISION_COMPACTED);
// a journal reopened on the same store continues after its head.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "service/core/request_limits.h"
#include "service/journal.h"
#include "service/redis_event_store.h"
#include "service/redis_journal.h"
#include "service/store/memory_event_store.h"
#include "service/store/sqlite_event_store.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/temp_path.h"

namespace liveevents::service {
namespace {

using liveevents::testing::MakeCreateRoom;

// Records what a journal hands on, in order.
class RecordingListener : public CommitListener {
 public:
  void OnCommitted(absl::Span<const EventPtr> events) override {
    absl::MutexLock lock(&mu_);
    for (const EventPtr& event : events) revisions_.push_back(event->revision());
  }
  // Waits (bounded) until `count` events were handed on, and returns their revisions.
  std::vector<uint64_t> Await(size_t count) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return revisions_.size() >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(30));
    return revisions_;
  }

 private:
  absl::Mutex mu_;
  std::vector<uint64_t> revisions_ ABSL_GUARDED_BY(mu_);
};

JournalOptions ContractOptions() {
  JournalOptions options;
  options.battle_grace = absl::Hours(876000);
  return options;
}

// Each harness owns a store, a listener and a journal on it; Reopen() makes a new journal (and
// listener) on the same stored data.
class MemoryHarness {
 public:
  absl::Status Open(JournalOptions options) {
    Close();
    listener_ = std::make_unique<RecordingListener>();
    journal_ = std::make_unique<Journal>(store_, *listener_, options);
    return journal_->Recover();
  }
  void Close() {
    if (journal_ != nullptr) journal_->Shutdown();
    journal_.reset();
  }
  EventJournal& journal() { return *journal_; }
  EventStore& reads() { return store_; }
  RecordingListener& listener() { return *listener_; }

 private:
  MemoryEventStore store_;
  std::unique_ptr<RecordingListener> listener_;
  std::unique_ptr<Journal> journal_;
};

class SqliteHarness {
 public:
  SqliteHarness() : path_(liveevents::testing::UniqueTempPath("journal-contract.db")) {}
  ~SqliteHarness() {
    Close();
    std::filesystem::remove(path_);
    std::filesystem::remove(path_ + "-wal");
    std::filesystem::remove(path_ + "-shm");
  }
  absl::Status Open(JournalOptions options) {
    Close();
    absl::StatusOr<std::unique_ptr<SqliteEventStore>> store = SqliteEventStore::Open(path_);
    if (!store.ok()) return store.status();
    store_ = *std::move(store);
    listener_ = std::make_unique<RecordingListener>();
    journal_ = std::make_unique<Journal>(*store_, *listener_, options);
    return journal_->Recover();
  }
  void Close() {
    if (journal_ != nullptr) journal_->Shutdown();
    journal_.reset();
    store_.reset();
  }
  EventJournal& journal() { return *journal_; }
  EventStore& reads() { return *store_; }
  RecordingListener& listener() { return *listener_; }

 private:
  const std::string path_;
  std::unique_ptr<SqliteEventStore> store_;
  std::unique_ptr<RecordingListener> listener_;
  std::unique_ptr<Journal> journal_;
};

class RedisHarness {
 public:
  RedisHarness() : dir_(liveevents::testing::UniqueTempPath("journal-contract-redis")) {}
  ~RedisHarness() {
    Close();
    redis_.reset();
    std::filesystem::remove_all(dir_);
  }
  absl::Status Open(JournalOptions options) {
    Close();
    if (redis_ == nullptr) {
      absl::StatusOr<std::unique_ptr<liveevents::testing::RedisServer>> redis =
          liveevents::testing::RedisServer::Start(dir_);
      if (!redis.ok()) return redis.status();
      redis_ = *std::move(redis);
    }
    RedisJournalOptions redis_options;
    redis_options.log.connection.address = redis_->address();
    redis_options.log.key_prefix = "contract";
    redis_options.follow_block = absl::Milliseconds(50);
    redis_options.retry_pause = absl::Milliseconds(20);
    absl::StatusOr<std::unique_ptr<redis::RedisEventLog>> log =
        redis::RedisEventLog::Create(redis_options.log);
    if (!log.ok()) return log.status();
    listener_ = std::make_unique<RecordingListener>();
    journal_ = std::make_unique<RedisJournal>(*std::move(log), *listener_, options, redis_options);
    reads_ = std::make_unique<RedisEventStore>(*journal_);
    return journal_->Recover();
  }
  void Close() {
    if (journal_ != nullptr) journal_->Shutdown();
    reads_.reset();
    journal_.reset();
  }
  EventJournal& journal() { return *journal_; }
  EventStore& reads() { return *reads_; }
  RecordingListener& listener() { return *listener_; }

 private:
  const std::string dir_;
  std::unique_ptr<liveevents::testing::RedisServer> redis_;
  std::unique_ptr<RecordingListener> listener_;
  std::unique_ptr<RedisJournal> journal_;
  std::unique_ptr<RedisEventStore> reads_;
};

template <typename Harness>
class JournalContractTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(ContractOptions()); }
  void TearDown() override { harness_.Close(); }

  void Open(JournalOptions options) {
    const absl::Status opened = harness_.Open(std::move(options));
    ASSERT_TRUE(opened.ok()) << opened;
  }

  // Appends `events` as one batch and waits for every answer.
  std::vector<PublishResult> Append(std::vector<v1::Event> events) {
    absl::Mutex mu;
    std::vector<absl::StatusOr<PublishResult>> answers(events.size());
    size_t answered = 0;
    harness_.journal().PublishEach(std::move(events), [&](size_t index) {
      return [&, index](absl::StatusOr<PublishResult> result) {
        absl::MutexLock lock(&mu);
        answers[index] = std::move(result);
        ++answered;
      };
    });
    absl::MutexLock lock(&mu);
    auto all = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return answered == answers.size(); };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(30)));
    std::vector<PublishResult> results;
    for (const auto& answer : answers) {
      EXPECT_TRUE(answer.ok()) << answer.status();
      results.push_back(answer.ok() ? *answer : PublishResult{});
    }
    return results;
  }

  static std::vector<v1::Event> Rooms(int first, int last) {
    std::vector<v1::Event> events;
    for (int i = first; i <= last; ++i) events.push_back(MakeCreateRoom(absl::StrCat("r", i)));
    return events;
  }

  std::vector<uint64_t> RevisionsAfter(uint64_t after, size_t limit = 1000) {
    absl::StatusOr<std::vector<EventPtr>> events = harness_.reads().ReadAfter(after, limit);
    EXPECT_TRUE(events.ok()) << events.status();
    std::vector<uint64_t> revisions;
    if (events.ok()) {
      for (const EventPtr& event : *events) revisions.push_back(event->revision());
    }
    return revisions;
  }

  Harness harness_;
};

using Harnesses = ::testing::Types<MemoryHarness, SqliteHarness, RedisHarness>;
class HarnessNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, MemoryHarness>) return "Memory";
    if (std::is_same_v<T, SqliteHarness>) return "Sqlite";
    return "Redis";
  }
};
TYPED_TEST_SUITE(JournalContractTest, Harnesses, HarnessNames);

std::vector<uint64_t> Revisions(const std::vector<PublishResult>& results) {
  std::vector<uint64_t> revisions;
  for (const PublishResult& result : results) revisions.push_back(result.revision);
  return revisions;
}
std::vector<bool> Duplicates(const std::vector<PublishResult>& results) {
  std::vector<bool> duplicates;
  for (const PublishResult& result : results) duplicates.push_back(result.duplicate);
  return duplicates;
}

TYPED_TEST(JournalContractTest, AnswersEveryEventOfABatchWithTheNextRevision) {
  const std::vector<PublishResult> results = this->Append(this->Rooms(1, 5));
  EXPECT_EQ(Revisions(results), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(Duplicates(results), std::vector<bool>(5, false));
  EXPECT_EQ(this->harness_.listener().Await(5), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(this->harness_.journal().AppliedRevision(), 5u);
}

TYPED_TEST(JournalContractTest, AnswersARepeatWithinABatchAsADuplicateOfTheFirst) {
  std::vector<v1::Event> events = this->Rooms(1, 2);
  events.push_back(events[0]);
  const std::vector<PublishResult> results = this->Append(std::move(events));
  EXPECT_EQ(Revisions(results), (std::vector<uint64_t>{1, 2, 1}));
  EXPECT_EQ(Duplicates(results), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(this->RevisionsAfter(0), (std::vector<uint64_t>{1, 2}));
}

TYPED_TEST(JournalContractTest, AnswersARepeatInALaterBatchWithItsOriginalRevision) {
  this->Append(this->Rooms(1, 3));
  std::vector<v1::Event> events = this->Rooms(4, 4);
  events.insert(events.begin(), this->Rooms(2, 2)[0]);
  const std::vector<PublishResult> results = this->Append(std::move(events));
  EXPECT_EQ(Revisions(results), (std::vector<uint64_t>{2, 4}));
  EXPECT_EQ(Duplicates(results), (std::vector<bool>{true, false}));
  EXPECT_EQ(this->harness_.listener().Await(4), (std::vector<uint64_t>{1, 2, 3, 4}));
}

TYPED_TEST(JournalContractTest, ReadsTheCommittedEventsAfterARevisionInOrder) {
  this->Append(this->Rooms(1, 4));
  this->Append(this->Rooms(5, 10));
  EXPECT_EQ(this->RevisionsAfter(4), (std::vector<uint64_t>{5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(this->RevisionsAfter(4, 3), (std::vector<uint64_t>{5, 6, 7}));
  EXPECT_TRUE(this->RevisionsAfter(10).empty());
  absl::StatusOr<std::vector<EventPtr>> events = this->harness_.reads().ReadAfter(0, 1);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0]->raw_body(), MakeCreateRoom("r1").raw_body());
  EXPECT_EQ(this->harness_.reads().HeadRevision(), 10u);
}

TYPED_TEST(JournalContractTest, RetentionTrimsTheOldestAndAnEarlierResumePointIsCompacted) {
  this->harness_.Close();
  JournalOptions options = ContractOptions();
  options.retain_events = 3;
  options.retain_for = absl::ZeroDuration();
  this->Open(options);
  this->Append(this->Rooms(1, 10));
  this->harness_.journal().RunMaintenanceForTest();
  EventStore& reads = this->harness_.reads();
  EXPECT_EQ(reads.OldestRevision(), 8u);
  EXPECT_EQ(this->RevisionsAfter(7), (std::vector<uint64_t>{8, 9, 10}));
  const absl::Status resume = CheckResumePoint(2, reads.OldestRevision(), reads.HeadRevision());
  EXPECT_EQ(resume.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(resume.message(), "REVISION_COMPACTED")) << resume;
  EXPECT_TRUE(CheckResumePoint(7, reads.OldestRevision(), reads.HeadRevision()).ok());
}

TYPED_TEST(JournalContractTest, AReopenedJournalContinuesAfterItsHeadAndKeepsDedup) {
  this->Append(this->Rooms(1, 3));
  this->harness_.Close();
  this->Open(ContractOptions());
  EXPECT_EQ(this->harness_.journal().AppliedRevision(), 3u);
  std::vector<v1::Event> events = this->Rooms(3, 4);
  const std::vector<PublishResult> results = this->Append(std::move(events));
  EXPECT_EQ(Revisions(results), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(Duplicates(results), (std::vector<bool>{true, false}));
  EXPECT_EQ(this->RevisionsAfter(0), (std::vector<uint64_t>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace liveevents::service
