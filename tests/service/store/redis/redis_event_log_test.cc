// RedisEventLog against a real redis-server: sequencing and dedup, reads and the blocking follow,
// trimming, the checkpoint, concurrent appenders, a Redis restart and a lost Redis.
#include "service/store/redis/redis_event_log.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_path.h"

namespace liveevents::service::redis {
namespace {

using ::liveevents::testing::RedisServer;
using ::testing::ElementsAre;

// An event as the Journal would append it: every kind of field set, a raw body with a NUL byte,
// and a revision field that the log must ignore.
EventPtr MakeEvent(const std::string& dedup_key) {
  auto event = std::make_shared<v1::Event>();
  event->set_revision(999999);
  event->set_sdk_app_id(1400000001);
  event->set_command("Live.CallbackAfterCreateRoom");
  event->set_event_time_ms(1700000000000);
  event->set_received_time_ms(1700000000500);
  event->set_dedup_key(dedup_key);
  event->set_raw_body(std::string("{\"RoomId\":\"r\0\xc3\xbc\"}", 18) + dedup_key);
  event->mutable_create_room()->set_operator_account(absl::StrCat("owner-", dedup_key));
  return event;
}

std::vector<EventPtr> MakeEvents(absl::string_view prefix, int first, int count) {
  std::vector<EventPtr> events;
  for (int i = first; i < first + count; ++i) events.push_back(MakeEvent(absl::StrCat(prefix, i)));
  return events;
}

std::vector<uint64_t> Revisions(const std::vector<EventPtr>& events) {
  std::vector<uint64_t> revisions;
  for (const EventPtr& event : events) revisions.push_back(event->revision());
  return revisions;
}

std::vector<std::string> Keys(const std::vector<EventPtr>& events) {
  std::vector<std::string> keys;
  for (const EventPtr& event : events) keys.push_back(event->dedup_key());
  return keys;
}

MATCHER_P2(Appended, revision, duplicate, "") {
  return arg.revision == static_cast<uint64_t>(revision) && arg.duplicate == duplicate;
}

class RedisEventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start(dir_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    log_ = MakeLog();
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  RedisEventLogOptions Options(const std::string& prefix = "liveevents") const {
    RedisEventLogOptions options;
    options.connection.address = server_->address();
    options.key_prefix = prefix;
    return options;
  }

  std::unique_ptr<RedisEventLog> MakeLog(RedisEventLogOptions options) const {
    absl::StatusOr<std::unique_ptr<RedisEventLog>> log = RedisEventLog::Create(std::move(options));
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }
  std::unique_ptr<RedisEventLog> MakeLog() const { return MakeLog(Options()); }

  std::vector<AppendResult> Append(RedisEventLog& log, const std::vector<EventPtr>& events) {
    absl::StatusOr<std::vector<AppendResult>> results = log.Append(events);
    EXPECT_TRUE(results.ok()) << results.status();
    return results.ok() ? *std::move(results) : std::vector<AppendResult>();
  }

  std::vector<EventPtr> ReadAll(RedisEventLog& log, uint64_t after = 0) {
    absl::StatusOr<std::vector<EventPtr>> events = log.ReadAfter(after, 100000);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *std::move(events) : std::vector<EventPtr>();
  }

  // A raw connection, to look at keys and server state.
  RedisReplyPtr Raw(std::initializer_list<absl::string_view> args) {
    RedisConnectionOptions options;
    options.address = server_->address();
    RedisConnection connection(options);
    absl::StatusOr<RedisReplyPtr> reply = connection.Command(args);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *std::move(reply) : nullptr;
  }

  const std::string dir_ = liveevents::testing::UniqueTempPath("redis");
  std::unique_ptr<RedisServer> server_;
  std::unique_ptr<RedisEventLog> log_;
};

TEST_F(RedisEventLogTest, KeysShareOneHashTag) {
  EXPECT_EQ(log_->keys().head, "{liveevents}:head");
  EXPECT_EQ(log_->keys().events, "{liveevents}:events");
  EXPECT_EQ(log_->keys().dedup, "{liveevents}:dedup");
  EXPECT_EQ(log_->keys().checkpoint, "{liveevents}:checkpoint");
  EXPECT_EQ(log_->keys().stale, "{liveevents}:stale");
  for (const char* prefix : {"", "a{b", "a}b"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(RedisEventLog::Create(Options(prefix)).status())) << prefix;
  }
}

TEST_F(RedisEventLogTest, AnEmptyLogHasNoRevisions) {
  EXPECT_EQ(*log_->HeadRevision(), 0u);
  EXPECT_EQ(*log_->OldestRevision(), 0u);
  EXPECT_TRUE(ReadAll(*log_).empty());
  EXPECT_TRUE(Append(*log_, {}).empty());
}

TEST_F(RedisEventLogTest, AppendsDenseRevisionsFromOne) {
  EXPECT_THAT(Append(*log_, MakeEvents("k", 0, 3)),
              ElementsAre(Appended(1, false), Appended(2, false), Appended(3, false)));
  EXPECT_THAT(Append(*log_, MakeEvents("k", 3, 2)),
              ElementsAre(Appended(4, false), Appended(5, false)));
  EXPECT_EQ(*log_->HeadRevision(), 5u);
  EXPECT_EQ(*log_->OldestRevision(), 1u);
}

TEST_F(RedisEventLogTest, ALargeBatchIsOneStep) {
  constexpr int kEvents = 5000;
  std::vector<EventPtr> batch = MakeEvents("k", 0, kEvents);
  batch.push_back(MakeEvent("k0"));
  const std::vector<AppendResult> results = Append(*log_, batch);
  ASSERT_EQ(results.size(), kEvents + 1u);
  for (int i = 0; i < kEvents; ++i) ASSERT_THAT(results[i], Appended(i + 1, false));
  EXPECT_THAT(results.back(), Appended(1, true));
  EXPECT_EQ(*log_->HeadRevision(), static_cast<uint64_t>(kEvents));
}

TEST_F(RedisEventLogTest, DuplicatesAnswerTheOriginalRevisionInABatchAndAcross) {
  EXPECT_THAT(Append(*log_, {MakeEvent("a"), MakeEvent("b"), MakeEvent("a")}),
              ElementsAre(Appended(1, false), Appended(2, false), Appended(1, true)));
  EXPECT_THAT(Append(*log_, {MakeEvent("b"), MakeEvent("c"), MakeEvent("a")}),
              ElementsAre(Appended(2, true), Appended(3, false), Appended(1, true)));
  // A batch of duplicates only adds nothing.
  EXPECT_THAT(Append(*log_, {MakeEvent("c")}), ElementsAre(Appended(3, true)));
  EXPECT_EQ(*log_->HeadRevision(), 3u);
  EXPECT_THAT(Keys(ReadAll(*log_)), ElementsAre("a", "b", "c"));
}

TEST_F(RedisEventLogTest, RejectsAnEventWithoutDedupKey) {
  absl::Status status = log_->Append({MakeEvent("a"), MakeEvent("")}).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_EQ(*log_->HeadRevision(), 0u);
}

TEST_F(RedisEventLogTest, ReadAfterReturnsExactEventsInOrderWithinTheLimit) {
  const std::vector<EventPtr> appended = MakeEvents("k", 1, 10);
  Append(*log_, appended);

  absl::StatusOr<std::vector<EventPtr>> first = log_->ReadAfter(0, 4);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Revisions(*first), ElementsAre(1, 2, 3, 4));
  for (size_t i = 0; i < first->size(); ++i) {
    v1::Event expected = *appended[i];
    expected.set_revision(i + 1);  // Set by the reader from the stream id.
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*(*first)[i], expected))
        << (*first)[i]->ShortDebugString();
  }
  EXPECT_THAT(Revisions(ReadAll(*log_, 4)), ElementsAre(5, 6, 7, 8, 9, 10));
  EXPECT_THAT(Revisions(*log_->ReadAfter(8, 1)), ElementsAre(9));
  EXPECT_TRUE(ReadAll(*log_, 10).empty());
  EXPECT_TRUE(ReadAll(*log_, 20).empty());
  EXPECT_TRUE(absl::IsInvalidArgument(log_->ReadAfter(0, 0).status()));
}

TEST_F(RedisEventLogTest, ReadBlockingReturnsAtOnceWhenEventsAreThere) {
  Append(*log_, MakeEvents("k", 1, 5));
  absl::StatusOr<std::vector<EventPtr>> events = log_->ReadBlocking(2, 2, absl::Seconds(30));
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(Revisions(*events), ElementsAre(3, 4));
}

TEST_F(RedisEventLogTest, ReadBlockingTimesOutEmpty) {
  Append(*log_, MakeEvents("k", 1, 2));
  absl::StatusOr<std::vector<EventPtr>> events = log_->ReadBlocking(2, 10, absl::Milliseconds(50));
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_TRUE(events->empty());
}

TEST_F(RedisEventLogTest, ReadBlockingWakesOnAnAppendFromAnotherThread) {
  Append(*log_, MakeEvents("k", 1, 2));
  absl::StatusOr<std::vector<EventPtr>> followed;
  std::thread follower([&] { followed = log_->ReadBlocking(2, 10, absl::Seconds(60)); });
  // Append only once the follower is blocked in XREAD, so that the append is what wakes it.
  for (int i = 0; i < 10000; ++i) {
    RedisReplyPtr info = Raw({"INFO", "clients"});
    if (info == nullptr || absl::StrContains(ReplyText(*info), "blocked_clients:1")) break;
    absl::SleepFor(absl::Milliseconds(1));
  }
  // Appending through the same log: its own follow connection keeps Append free.
  Append(*log_, MakeEvents("k", 3, 3));
  follower.join();
  ASSERT_TRUE(followed.ok()) << followed.status();
  EXPECT_THAT(Revisions(*followed), ElementsAre(3, 4, 5));
}

TEST_F(RedisEventLogTest, TrimDropsOldEventsWithTheirDedupEntriesUpToTheCheckpoint) {
  RedisEventLogOptions options = Options();
  options.trim_chunk = 3;  // Several chunks per Trim.
  std::unique_ptr<RedisEventLog> log = MakeLog(options);
  Append(*log, MakeEvents("k", 1, 10));

  // Without a checkpoint a starting replica needs every event: nothing goes.
  EXPECT_EQ(*log->Trim(6), 1u);
  ASSERT_TRUE(log->SaveCheckpoint({.revision = 7, .state = "state"}).ok());
  EXPECT_EQ(*log->Trim(6), 6u);
  EXPECT_EQ(*log->OldestRevision(), 6u);
  EXPECT_EQ(Raw({"HLEN", log->keys().dedup})->integer, 5);
  EXPECT_THAT(Revisions(ReadAll(*log, 5)), ElementsAre(6, 7, 8, 9, 10));

  // A reader behind retention is told so, never handed a gap.
  for (uint64_t after : {0u, 4u}) {
    absl::Status status = log->ReadAfter(after, 10).status();
    EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
    EXPECT_THAT(std::string(status.message()),
                ::testing::HasSubstr("oldest retained revision is 6"));
    status = log->ReadBlocking(after, 10, absl::Seconds(5)).status();
    EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  }

  // A trimmed key is new again; a retained one is still a duplicate.
  EXPECT_THAT(Append(*log, {MakeEvent("k2"), MakeEvent("k6")}),
              ElementsAre(Appended(11, false), Appended(6, true)));

  // Never past the checkpoint (7): 8 is the oldest a trim can leave.
  EXPECT_EQ(*log->Trim(100), 8u);
  EXPECT_THAT(Revisions(ReadAll(*log, 7)), ElementsAre(8, 9, 10, 11));
  // Nor the head.
  ASSERT_TRUE(log->SaveCheckpoint({.revision = 11, .state = "later"}).ok());
  EXPECT_EQ(*log->Trim(100), 11u);
  EXPECT_EQ(*log->HeadRevision(), 11u);
  EXPECT_EQ(Raw({"HLEN", log->keys().dedup})->integer, 1);
  EXPECT_THAT(Append(*log, {MakeEvent("k2"), MakeEvent("k9")}),
              ElementsAre(Appended(11, true), Appended(12, false)));
}

TEST_F(RedisEventLogTest, StaleMarksAreIdempotentAndTrimmedWithTheirEvents) {
  Append(*log_, MakeEvents("k", 1, 6));
  ASSERT_TRUE(log_->MarkStale({2, 5}).ok());
  ASSERT_TRUE(log_->MarkStale({5}).ok());  // Another replica folding the same events.
  ASSERT_TRUE(log_->MarkStale({}).ok());
  EXPECT_THAT(*log_->StaleMarks({1, 2, 3, 4, 5, 6}),
              ElementsAre(false, true, false, false, true, false));
  ASSERT_TRUE(log_->SaveCheckpoint({.revision = 6, .state = "state"}).ok());
  EXPECT_EQ(*log_->Trim(4), 4u);
  EXPECT_EQ(Raw({"HLEN", log_->keys().stale})->integer, 1);  // Only 5's mark is left.
  EXPECT_THAT(*log_->StaleMarks({5}), ElementsAre(true));
}

TEST_F(RedisEventLogTest, FindsTheFirstRevisionReceivedSinceATime) {
  EXPECT_EQ(*log_->FirstRevisionReceivedSince(0), 0u);
  std::vector<EventPtr> events;
  for (int i = 1; i <= 9; ++i) {
    auto event = std::make_shared<v1::Event>(*MakeEvent(absl::StrCat("k", i)));
    event->set_received_time_ms(1000 + 10 * i);
    events.push_back(std::move(event));
  }
  Append(*log_, events);
  struct Case {
    int64_t time_ms;
    uint64_t revision;
  };
  for (const Case& c : {Case{0, 1}, Case{1010, 1}, Case{1011, 2}, Case{1050, 5}, Case{1089, 9},
                        Case{1090, 9}, Case{1091, 0}}) {
    absl::StatusOr<uint64_t> revision = log_->FirstRevisionReceivedSince(c.time_ms);
    ASSERT_TRUE(revision.ok()) << revision.status();
    EXPECT_EQ(*revision, c.revision) << c.time_ms;
  }
  ASSERT_TRUE(log_->SaveCheckpoint({.revision = 9, .state = ""}).ok());
  ASSERT_EQ(*log_->Trim(4), 4u);
  EXPECT_EQ(*log_->FirstRevisionReceivedSince(0), 4u);
  EXPECT_EQ(*log_->FirstRevisionReceivedSince(1071), 8u);
}

TEST_F(RedisEventLogTest, CheckpointOnlyMovesForward) {
  absl::StatusOr<std::optional<Checkpoint>> loaded = log_->LoadCheckpoint();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE(loaded->has_value());
  Append(*log_, MakeEvents("k", 1, 10));

  EXPECT_TRUE(*log_->SaveCheckpoint({.revision = 5, .state = std::string("five\0", 5)}));
  EXPECT_FALSE(*log_->SaveCheckpoint({.revision = 3, .state = "three"}));
  EXPECT_FALSE(*log_->SaveCheckpoint({.revision = 5, .state = "five again"}));
  loaded = log_->LoadCheckpoint();
  ASSERT_TRUE(loaded.ok() && loaded->has_value()) << loaded.status();
  EXPECT_EQ((*loaded)->revision, 5u);
  EXPECT_EQ((*loaded)->state, std::string("five\0", 5));

  EXPECT_TRUE(*log_->SaveCheckpoint({.revision = 10, .state = "ten"}));
  absl::Status ahead = log_->SaveCheckpoint({.revision = 11, .state = "eleven"}).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(ahead)) << ahead;
  EXPECT_EQ((*log_->LoadCheckpoint())->state, "ten");
}

TEST_F(RedisEventLogTest, PrefixesKeepDeploymentsApart) {
  std::unique_ptr<RedisEventLog> other = MakeLog(Options("other"));
  Append(*log_, MakeEvents("k", 1, 3));
  EXPECT_THAT(Append(*other, MakeEvents("k", 1, 1)), ElementsAre(Appended(1, false)));
  EXPECT_EQ(*other->HeadRevision(), 1u);
  EXPECT_EQ(*log_->HeadRevision(), 3u);
}

TEST_F(RedisEventLogTest, ConcurrentAppendersGetDisjointDenseRevisions) {
  constexpr int kBatches = 20;
  constexpr int kBatchSize = 10;
  std::unique_ptr<RedisEventLog> logs[2] = {MakeLog(), MakeLog()};
  std::vector<uint64_t> revisions[2];
  std::vector<std::thread> appenders;
  for (int a = 0; a < 2; ++a) {
    appenders.emplace_back([&, a] {
      for (int b = 0; b < kBatches; ++b) {
        absl::StatusOr<std::vector<AppendResult>> results = logs[a]->Append(
            MakeEvents(absl::StrCat("appender", a, "-"), b * kBatchSize, kBatchSize));
        ASSERT_TRUE(results.ok()) << results.status();
        for (const AppendResult& result : *results) {
          EXPECT_FALSE(result.duplicate);
          revisions[a].push_back(result.revision);
        }
      }
    });
  }
  for (std::thread& appender : appenders) appender.join();

  std::vector<uint64_t> all = revisions[0];
  all.insert(all.end(), revisions[1].begin(), revisions[1].end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 2u * kBatches * kBatchSize);
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i + 1);
  // Each appender's revisions rise, and the stream agrees with what each was told.
  const std::vector<EventPtr> stored = ReadAll(*log_);
  ASSERT_EQ(stored.size(), all.size());
  for (int a = 0; a < 2; ++a) {
    EXPECT_TRUE(std::is_sorted(revisions[a].begin(), revisions[a].end()));
    for (size_t i = 0; i < revisions[a].size(); ++i) {
      EXPECT_EQ(stored[revisions[a][i] - 1]->dedup_key(), absl::StrCat("appender", a, "-", i));
    }
  }
}

TEST_F(RedisEventLogTest, ARestartedRedisKeepsEverythingAppended) {
  for (int batch = 0; batch < 5; ++batch) Append(*log_, MakeEvents("k", batch * 10, 10));
  ASSERT_TRUE(log_->SaveCheckpoint({.revision = 40, .state = "state"}).ok());
  server_->Kill();  // As a crash: appendfsync always has every acknowledged batch on disk.
  ASSERT_TRUE(server_->Restart().ok());

  std::unique_ptr<RedisEventLog> fresh = MakeLog();
  EXPECT_EQ(*fresh->HeadRevision(), 50u);
  EXPECT_EQ(*fresh->OldestRevision(), 1u);
  const std::vector<EventPtr> events = ReadAll(*fresh);
  ASSERT_EQ(events.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(events[i]->dedup_key(), absl::StrCat("k", i));
  EXPECT_EQ((*fresh->LoadCheckpoint())->revision, 40u);
  // The dedup entries came back too, and the scripts load again (NOSCRIPT, then EVAL).
  EXPECT_THAT(Append(*fresh, {MakeEvent("k7"), MakeEvent("new")}),
              ElementsAre(Appended(8, true), Appended(51, false)));

  // The old log's connection broke with the server; it reconnects by its next call.
  absl::StatusOr<uint64_t> head = log_->HeadRevision();
  if (!head.ok()) {
    EXPECT_TRUE(absl::IsUnavailable(head.status())) << head.status();
    head = log_->HeadRevision();
  }
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(*head, 51u);
}

TEST_F(RedisEventLogTest, ALostRedisIsUnavailableAndTheLogRecoversWhenItIsBack) {
  Append(*log_, MakeEvents("k", 1, 3));
  server_->Kill();
  for (int attempt = 0; attempt < 2; ++attempt) {  // Broken connection, then refused.
    absl::Status appended = log_->Append(MakeEvents("k", 4, 1)).status();
    EXPECT_TRUE(absl::IsUnavailable(appended)) << appended;
    absl::Status followed = log_->ReadBlocking(3, 10, absl::Seconds(1)).status();
    EXPECT_TRUE(absl::IsUnavailable(followed)) << followed;
    EXPECT_TRUE(absl::IsUnavailable(log_->HeadRevision().status()));
  }

  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_THAT(Append(*log_, MakeEvents("k", 4, 1)), ElementsAre(Appended(4, false)));
  absl::StatusOr<std::vector<EventPtr>> followed = log_->ReadBlocking(3, 10, absl::Seconds(5));
  ASSERT_TRUE(followed.ok()) << followed.status();
  EXPECT_THAT(Revisions(*followed), ElementsAre(4));
}

TEST_F(RedisEventLogTest, AnEvictedScriptCacheIsReloaded) {
  Append(*log_, MakeEvents("k", 1, 1));
  Raw({"SCRIPT", "FLUSH"});
  EXPECT_THAT(Append(*log_, MakeEvents("k", 1, 2)),
              ElementsAre(Appended(1, true), Appended(2, false)));
}

TEST_F(RedisEventLogTest, WaitForMissingReplicasIsUnavailableAndARetryIsADuplicate) {
  RedisEventLogOptions options = Options();
  options.wait_replicas = 1;  // This Redis has none.
  options.wait_timeout = absl::Milliseconds(20);
  std::unique_ptr<RedisEventLog> log = MakeLog(options);
  absl::Status status = log->Append(MakeEvents("k", 1, 1)).status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(Append(*log_, MakeEvents("k", 1, 1)), ElementsAre(Appended(1, true)));
}

TEST_F(RedisEventLogTest, AHeadOutOfStepWithTheStreamWritesNothing) {
  Append(*log_, MakeEvents("k", 1, 2));
  Raw({"DEL", log_->keys().head});
  absl::Status status = log_->Append(MakeEvents("k", 3, 1)).status();
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_THAT(Revisions(ReadAll(*log_)), ElementsAre(1, 2));

  // A head behind the stream fails at the XADD, before this event wrote anything.
  Raw({"SET", log_->keys().head, "1"});
  status = log_->Append(MakeEvents("k", 3, 1)).status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(Revisions(ReadAll(*log_)), ElementsAre(1, 2));
  EXPECT_EQ(Raw({"HLEN", log_->keys().dedup})->integer, 2);
  EXPECT_EQ(ReplyText(*Raw({"GET", log_->keys().head})), "1");
}

}  // namespace
}  // namespace liveevents::service::redis
