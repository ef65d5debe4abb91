// The Journal against a store that can hold or fail its writes, and a fake clock: group commit
// answers, the broken-store path, duplicates of events still being committed, and retention by
// the journal's own clock.
#include "service/journal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/util/message_differencer.h"
#include "service/core/dedup_key.h"
#include "service/store/memory_event_store.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::service {
namespace {

using liveevents::testing::MakeCreateRoom;
using liveevents::testing::MakeStartBattle;

// A memory store whose commits can be held at a gate and made to fail, and which counts reads.
class ScriptedStore : public MemoryEventStore {
 public:
  absl::Status Commit(absl::Span<const EventPtr> events, const StateChanges* state) override {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&open_));
      if (fail_next_) {
        fail_next_ = false;
        return absl::InternalError("disk on fire");
      }
    }
    return MemoryEventStore::Commit(events, state);
  }
  absl::StatusOr<std::vector<EventPtr>> ReadAfter(uint64_t after_revision,
                                                  size_t limit) const override {
    absl::StatusOr<std::vector<EventPtr>> events =
        MemoryEventStore::ReadAfter(after_revision, limit);
    if (events.ok()) events_read_ += events->size();
    return events;
  }
  int64_t events_read() const { return events_read_.load(); }

  void Close() { Set(&open_, false); }
  void Open() { Set(&open_, true); }
  void FailNextAppend() { Set(&fail_next_, true); }

 private:
  void Set(bool* flag, bool value) {
    absl::MutexLock lock(&mu_);
    *flag = value;
  }

  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
  bool fail_next_ ABSL_GUARDED_BY(mu_) = false;
  mutable std::atomic<int64_t> events_read_{0};
};

class RecordingListener : public CommitListener {
 public:
  // The journal this listener checks in OnRecovered (may stay null).
  void Watch(const Journal* journal) { journal_ = journal; }
  void OnRecovered(uint64_t head) override {
    absl::MutexLock lock(&mu_);
    recovered_heads_.push_back(head);
    recovered_while_accepting_ = journal_ != nullptr && journal_->Accepting();
  }
  std::vector<uint64_t> recovered_heads() const {
    absl::MutexLock lock(&mu_);
    return recovered_heads_;
  }
  bool recovered_while_accepting() const {
    absl::MutexLock lock(&mu_);
    return recovered_while_accepting_;
  }
  void OnCommitted(absl::Span<const EventPtr> events) override {
    absl::MutexLock lock(&mu_);
    for (const EventPtr& event : events) revisions_.push_back(event->revision());
  }
  std::vector<uint64_t> revisions() const {
    absl::MutexLock lock(&mu_);
    return revisions_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<uint64_t> revisions_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> recovered_heads_ ABSL_GUARDED_BY(mu_);
  bool recovered_while_accepting_ ABSL_GUARDED_BY(mu_) = false;
  const Journal* journal_ = nullptr;
};

// One Publish's answer, waited for with a bound.
struct Answer {
  absl::Notification done;
  absl::StatusOr<PublishResult> result;

  Journal::PublishDone Callback() {
    return [this](absl::StatusOr<PublishResult> r) {
      result = std::move(r);
      done.Notify();
    };
  }
  bool Wait() { return done.WaitForNotificationWithTimeout(absl::Seconds(20)); }
};

v1::Event RoomEvent(const std::string& room_id, int64_t received_ms = 1000) {
  v1::Event event = MakeCreateRoom(room_id);
  event.set_received_time_ms(received_ms);
  return event;
}

v1::Event MemberEvent(const std::string& room_id, const std::string& type,
                      const std::vector<std::string>& accounts, int64_t time_ms) {
  v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackOnMemberStateChanged");
  event.set_event_time_ms(time_ms);
  event.set_received_time_ms(1000);
  event.set_raw_body(absl::StrCat(room_id, type, time_ms, absl::StrJoin(accounts, ",")));
  v1::MemberStateChanged& change = *event.mutable_member_state_changed();
  change.set_room_id(room_id);
  change.set_event_type(type);
  for (const std::string& account : accounts) change.add_member_accounts(account);
  return event;
}

v1::Event DestroyEvent(const std::string& room_id, int64_t time_ms) {
  v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterDestroyRoom");
  event.set_event_time_ms(time_ms);
  event.set_received_time_ms(1000);
  event.set_raw_body(absl::StrCat("destroy ", room_id, " ", time_ms));
  event.mutable_destroy_room()->set_room_id(room_id);
  return event;
}

v1::Event EndEvent(const std::string& battle_id, int64_t time_ms) {
  v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterEndBattle");
  event.set_event_time_ms(time_ms);
  event.set_received_time_ms(1000);
  event.set_raw_body(absl::StrCat("end ", battle_id));
  v1::EndBattle& end = *event.mutable_end_battle();
  end.set_battle_id(battle_id);
  end.mutable_from_room()->set_room_id("r1");
  end.mutable_from_room()->set_score(120);
  end.add_to_rooms()->set_room_id("r2");
  return event;
}

class JournalTest : public ::testing::Test {
 protected:
  void Start(JournalOptions options = {}) {
    options.clock = [this] { return absl::FromUnixMillis(now_ms_.load()); };
    journal_ = std::make_unique<Journal>(store_, listener_, options);
    listener_.Watch(journal_.get());
    ASSERT_TRUE(journal_->Recover().ok());
  }

  void PublishOk(v1::Event event) {
    Answer answer;
    journal_->Publish(std::move(event), answer.Callback());
    ASSERT_TRUE(answer.Wait());
    ASSERT_TRUE(answer.result.ok()) << answer.result.status();
  }

  internal::State LiveSnapshot() {
    internal::State snapshot;
    journal_->ReadState([&](const LiveState& state, uint64_t) { snapshot = state.ToSnapshot(); });
    return snapshot;
  }

  // The state a restart would load: the store's rows, not the journal's memory.
  internal::State StoredSnapshot() {
    absl::StatusOr<StoredState> stored = store_.LoadState();
    EXPECT_TRUE(stored.ok()) << stored.status();
    absl::StatusOr<internal::State> state = StateFromRows(stored->rows, LiveState::kStateFormat);
    EXPECT_TRUE(state.ok()) << state.status();
    // Through Restore, as Recover does, so that derived fields are filled the same way.
    LiveState restored;
    EXPECT_TRUE(restored.Restore(*state).ok());
    return restored.ToSnapshot();
  }

  ScriptedStore store_;
  RecordingListener listener_;
  std::atomic<int64_t> now_ms_{1000};
  std::unique_ptr<Journal> journal_;
};

TEST_F(JournalTest, AnswersOnceDurableAndTellsTheListenerInOrder) {
  Start();
  Answer first, second;
  journal_->Publish(RoomEvent("r1"), first.Callback());
  journal_->Publish(RoomEvent("r2"), second.Callback());
  ASSERT_TRUE(first.Wait() && second.Wait());
  ASSERT_TRUE(first.result.ok() && second.result.ok());
  EXPECT_EQ(first.result->revision, 1u);
  EXPECT_EQ(second.result->revision, 2u);
  EXPECT_EQ(listener_.revisions(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(store_.HeadRevision(), 2u);
}

TEST_F(JournalTest, AFailedWriteFailsItsPublishersAndRefusesEveryLaterPublish) {
  Start();
  store_.FailNextAppend();
  Answer failed;
  journal_->Publish(RoomEvent("r1"), failed.Callback());
  ASSERT_TRUE(failed.Wait());
  EXPECT_EQ(failed.result.status().code(), absl::StatusCode::kInternal);

  // The state already folded the lost event, so nothing more is accepted until a restart.
  Answer later;
  journal_->Publish(RoomEvent("r2"), later.Callback());
  ASSERT_TRUE(later.Wait());
  EXPECT_EQ(later.result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(later.result.status().message().find("restart required"), absl::string_view::npos);
  EXPECT_TRUE(listener_.revisions().empty());
  EXPECT_EQ(store_.HeadRevision(), 0u);
}

// A broken journal refuses everything until a restart: health must say so, so that load
// balancers stop sending and a supervisor restarts it.
TEST(JournalHealthTest, AFailedWriteTellsTheHealthListenerNotServing) {
  ScriptedStore store;
  RecordingListener listener;
  Journal journal(store, listener);
  std::atomic<int> not_serving{0};
  journal.SetHealthListener([&](bool serving) {
    if (!serving) ++not_serving;
  });
  ASSERT_TRUE(journal.Recover().ok());
  store.FailNextAppend();
  Answer failed;
  journal.Publish(RoomEvent("r1"), failed.Callback());
  ASSERT_TRUE(failed.Wait());
  EXPECT_FALSE(failed.result.ok());
  EXPECT_EQ(not_serving.load(), 1);
}

TEST_F(JournalTest, ADuplicateOfAnEventStillBeingWrittenAnswersOnceTheOriginalIsDurable) {
  Start();
  store_.Close();
  Answer original, retry;
  journal_->Publish(RoomEvent("r1"), original.Callback());
  journal_->Publish(RoomEvent("r1"), retry.Callback());
  // Nothing can be durable while the store holds the write.
  EXPECT_FALSE(original.done.HasBeenNotified());
  EXPECT_FALSE(retry.done.HasBeenNotified());
  store_.Open();
  ASSERT_TRUE(original.Wait() && retry.Wait());
  ASSERT_TRUE(original.result.ok() && retry.result.ok());
  EXPECT_EQ(original.result->revision, 1u);
  EXPECT_FALSE(original.result->duplicate);
  EXPECT_EQ(retry.result->revision, 1u);
  EXPECT_TRUE(retry.result->duplicate);
  EXPECT_EQ(listener_.revisions(), (std::vector<uint64_t>{1}));
}

TEST_F(JournalTest, ADuplicateWaitingForAFailedWriteGetsTheError) {
  Start();
  store_.Close();
  store_.FailNextAppend();
  Answer original, retry;
  journal_->Publish(RoomEvent("r1"), original.Callback());
  journal_->Publish(RoomEvent("r1"), retry.Callback());
  store_.Open();
  ASSERT_TRUE(original.Wait() && retry.Wait());
  EXPECT_FALSE(original.result.ok());
  EXPECT_FALSE(retry.result.ok());
  EXPECT_TRUE(listener_.revisions().empty());
}

TEST_F(JournalTest, RetentionMeasuresAgesWithTheJournalsClock) {
  JournalOptions options;
  options.retain_events = 1;
  options.retain_for = absl::Hours(1);
  options.retain_finished_for = absl::Hours(1);
  options.maintenance_interval = absl::Hours(24);  // Only when the test asks.
  Start(options);
  v1::Event destroy;
  destroy.set_sdk_app_id(1400000001);
  destroy.set_command("Live.CallbackAfterDestroyRoom");
  destroy.set_event_time_ms(2000);
  destroy.set_received_time_ms(1000);
  destroy.set_raw_body("{\"RoomId\":\"r1\",\"destroy\":1}");
  destroy.mutable_destroy_room()->set_room_id("r1");
  for (v1::Event event : {RoomEvent("r1"), RoomEvent("r2"), destroy}) {
    Answer answer;
    journal_->Publish(std::move(event), answer.Callback());
    ASSERT_TRUE(answer.Wait() && answer.result.ok());
  }
  auto room_count = [this] {
    size_t rooms = 0;
    journal_->ReadState([&](const LiveState& state, uint64_t) { rooms = state.rooms().size(); });
    return rooms;
  };

  now_ms_ = 1000 + absl::ToInt64Milliseconds(absl::Minutes(30));
  journal_->RunMaintenanceForTest();
  EXPECT_EQ(store_.OldestRevision(), 1u);  // Young enough to keep.
  EXPECT_EQ(room_count(), 2u);

  now_ms_ = 1000 + absl::ToInt64Milliseconds(absl::Hours(2));
  journal_->RunMaintenanceForTest();
  EXPECT_EQ(store_.OldestRevision(), 3u);  // Only the newest retain_events remain.
  EXPECT_EQ(room_count(), 1u);             // The destroyed room is forgotten.
}

// A StartBattle of `battle_id` at Unix second 100 lasting 1 s, and its EndBattle scoring 5 to 3.
v1::Event StartAt100(const std::string& battle_id) {
  v1::Event event = liveevents::testing::MakeStartBattle(battle_id, "ra", "rb");
  event.set_received_time_ms(1000);
  event.mutable_start_battle()->set_start_time(100);
  event.mutable_start_battle()->set_duration_ms(1000);
  return event;
}

v1::Event EndScoring5To3(const std::string& battle_id) {
  v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterEndBattle");
  event.set_event_time_ms(2500);
  event.set_received_time_ms(1000);
  event.set_raw_body("{\"BattleId\":\"" + battle_id + "\",\"end\":1}");
  v1::EndBattle& end = *event.mutable_end_battle();
  end.set_battle_id(battle_id);
  end.set_op_type(0);
  end.set_start_time(100);
  end.mutable_from_room()->set_room_id("ra");
  end.mutable_from_room()->set_score(5);
  end.add_to_rooms()->set_room_id("rb");
  end.add_to_rooms()->set_score(3);
  return event;
}

TEST_F(JournalTest, JournalsOneBattleOverdueWhenTheGraceHasPassedOnItsClock) {
  JournalOptions options;
  options.battle_grace = absl::Seconds(1);
  options.overdue_check_interval = absl::Hours(24);  // Only when the test asks.
  options.maintenance_interval = absl::Hours(24);
  Start(options);
  Answer started;
  journal_->Publish(StartAt100("b1"), started.Callback());
  ASSERT_TRUE(started.Wait() && started.result.ok());
  auto battle = [this] {
    v1::Battle found;
    journal_->ReadState([&](const LiveState& state, uint64_t) {
      if (const v1::Battle* b = state.FindBattle(1400000001, "b1")) found = *b;
    });
    return found;
  };

  now_ms_ = 101'000 + 1000 - 1;  // start + duration + grace, less 1 ms: not yet.
  journal_->RunMaintenanceForTest();
  EXPECT_EQ(journal_->AppliedRevision(), 1u);
  EXPECT_FALSE(battle().overdue());

  now_ms_ = 102'000;
  journal_->RunMaintenanceForTest();
  journal_->RunMaintenanceForTest();  // A second look finds nothing new.
  EXPECT_EQ(journal_->AppliedRevision(), 2u);
  EXPECT_TRUE(battle().overdue());
  EXPECT_EQ(battle().state(), v1::BATTLE_STATE_STARTED);

  // Restarted on the same store: the replayed event marks the battle, so none is added.
  journal_.reset();
  Start(options);
  now_ms_ = 500'000;
  journal_->RunMaintenanceForTest();
  EXPECT_EQ(journal_->AppliedRevision(), 2u);
  absl::StatusOr<std::vector<EventPtr>> events = store_.ReadAfter(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  const v1::Event& overdue = *(*events)[1];
  EXPECT_EQ(overdue.command(), "LiveEvents.BattleOverdue");
  EXPECT_EQ(overdue.battle_overdue().battle_id(), "b1");
  EXPECT_EQ(overdue.battle_overdue().deadline_ms(), 102'000);
  EXPECT_FALSE(overdue.stale());

  // The End that was lost arrives late: it still ends the battle, with its result.
  Answer ended;
  journal_->Publish(EndScoring5To3("b1"), ended.Callback());
  ASSERT_TRUE(ended.Wait() && ended.result.ok());
  EXPECT_EQ(battle().state(), v1::BATTLE_STATE_ENDED);
  EXPECT_TRUE(battle().overdue());
  ASSERT_EQ(battle().result().winner_room_ids_size(), 1);
  EXPECT_EQ(battle().result().winner_room_ids(0), "ra");
  EXPECT_EQ(listener_.revisions(), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(JournalTest, ABattleEndedInTimeIsNeverOverdue) {
  JournalOptions options;
  options.battle_grace = absl::Seconds(1);
  options.overdue_check_interval = absl::Hours(24);
  Start(options);
  for (v1::Event event : {StartAt100("b1"), EndScoring5To3("b1")}) {
    Answer answer;
    journal_->Publish(std::move(event), answer.Callback());
    ASSERT_TRUE(answer.Wait() && answer.result.ok());
  }
  now_ms_ = 1'000'000;
  journal_->RunMaintenanceForTest();
  EXPECT_EQ(journal_->AppliedRevision(), 2u);
}

// Every commit writes the rows its events changed: after each answer, the stored rows are
// exactly the live state, whatever changed (members coming and going, a room destroyed and its
// id reused, members forgotten beyond the horizon, battles ending and forgotten).
TEST_F(JournalTest, TheStoredRowsFollowTheLiveStateAfterEveryCommit) {
  JournalOptions options;
  options.member_reorder_horizon = absl::Seconds(10);
  options.retain_finished_for = absl::Hours(1);
  options.maintenance_interval = absl::Hours(24);  // Only when the test asks.
  Start(options);
  const std::vector<v1::Event> events = {
      MakeCreateRoom("r1", 1000),
      MakeCreateRoom("r2", 1000),
      MemberEvent("r1", "Online", {"a", "b", "c"}, 2000),
      MemberEvent("r1", "Offline", {"b"}, 3000),
      MemberEvent("r2", "Online", {"x", std::string("n\0\u00fcl", 5)}, 3000),
      MemberEvent("r1", "Online", {"d"}, 30000),  // b's offline fact is now beyond the horizon.
      DestroyEvent("r2", 40000),
      MakeCreateRoom("r2", 50000),  // The id reused: a new room, with none of r2's members.
      MemberEvent("r2", "Online", {"y"}, 60000),
      MakeStartBattle("b1", "r1", "r2"),
      EndEvent("b1", 70000),
      MakeStartBattle("b2", "r1", "r2", 80000),
  };
  for (const v1::Event& event : events) {
    PublishOk(event);
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(StoredSnapshot(), LiveSnapshot()))
        << "after " << event.command() << " " << event.raw_body();
  }
  // Retention forgets the ended battle; the next commit writes that too.
  now_ms_ = 1000 + absl::ToInt64Milliseconds(absl::Hours(2));
  journal_->RunMaintenanceForTest();
  PublishOk(MakeCreateRoom("r3"));
  EXPECT_EQ(LiveSnapshot().battles_size(), 1);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(StoredSnapshot(), LiveSnapshot()));
}

TEST_F(JournalTest, ARestartLoadsTheStoredStateWithoutReplayingTheJournal) {
  Start();
  for (int i = 0; i < 50; ++i) PublishOk(MakeCreateRoom(absl::StrCat("r", i)));
  PublishOk(MemberEvent("r1", "Online", {"a", "b"}, 5000));
  const internal::State before = LiveSnapshot();
  journal_.reset();

  const int64_t read_before = store_.events_read();
  Start();
  EXPECT_EQ(store_.events_read(), read_before) << "no event needed folding again";
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(LiveSnapshot(), before));
  EXPECT_EQ(journal_->AppliedRevision(), 51u);

  // The dedup index came back too: a retry of a journaled event is still a duplicate.
  Answer retry;
  journal_->Publish(MakeCreateRoom("r7"), retry.Callback());
  ASSERT_TRUE(retry.Wait() && retry.result.ok());
  EXPECT_TRUE(retry.result->duplicate);
  EXPECT_EQ(retry.result->revision, 8u);
}

// The dedup index holds 64-bit hashes of the keys. When two stored keys share a hash, a retry
// of the older event is still found, and a new event with that hash is not a duplicate.
TEST_F(JournalTest, KeysSharingAHashAreToldApartByTheStoredKeys) {
  v1::Event older = MakeCreateRoom("r1");
  older.set_dedup_key(ComputeDedupKey(older));
  older.set_revision(1);
  v1::Event newer = MakeCreateRoom("r2");
  // Same first 16 hex digits, so the same DedupKeyHash: a collision, made by hand.
  newer.set_dedup_key(older.dedup_key().substr(0, 16) + std::string(48, '0'));
  newer.set_revision(2);
  ASSERT_EQ(DedupKeyHash(older.dedup_key()), DedupKeyHash(newer.dedup_key()));
  ASSERT_TRUE(store_
                  .Append({std::make_shared<const v1::Event>(older),
                           std::make_shared<const v1::Event>(newer)})
                  .ok());
  Start();

  Answer retry;
  journal_->Publish(MakeCreateRoom("r1"), retry.Callback());
  ASSERT_TRUE(retry.Wait() && retry.result.ok()) << retry.result.status();
  EXPECT_TRUE(retry.result->duplicate);
  EXPECT_EQ(retry.result->revision, 1u);

  Answer fresh;
  journal_->Publish(MakeCreateRoom("r3"), fresh.Callback());
  ASSERT_TRUE(fresh.Wait() && fresh.result.ok()) << fresh.result.status();
  EXPECT_FALSE(fresh.result->duplicate);
  EXPECT_EQ(fresh.result->revision, 3u);
}

// The hub must know where the journal starts before anything can be committed: an event
// committed (and broadcast) first would let a subscriber catching up go live past it.
TEST_F(JournalTest, TheListenerLearnsTheRecoveredHeadBeforeTheJournalAccepts) {
  Start();
  for (int i = 0; i < 3; ++i) PublishOk(MakeCreateRoom(absl::StrCat("r", i)));
  journal_.reset();
  Start();
  EXPECT_EQ(listener_.recovered_heads(), (std::vector<uint64_t>{0, 3}));
  EXPECT_FALSE(listener_.recovered_while_accepting());
}

TEST_F(JournalTest, EventsTheStoredStateDoesNotCoverAreReplayedAndTheRowsRewritten) {
  // Events appended without state rows: what a store holds when its rows fell behind.
  std::vector<EventPtr> batch;
  for (int i = 1; i <= 3; ++i) {
    v1::Event event = MakeCreateRoom(absl::StrCat("r", i));
    event.set_revision(i);
    event.set_dedup_key(absl::StrCat("key-", i));
    batch.push_back(std::make_shared<const v1::Event>(std::move(event)));
  }
  ASSERT_TRUE(store_.Append(batch).ok());
  Start();
  EXPECT_EQ(LiveSnapshot().rooms_size(), 3);
  EXPECT_EQ(store_.LoadState()->revision, 3u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(StoredSnapshot(), LiveSnapshot()));
}

TEST_F(JournalTest, UnreadableStoredStateIsDataLoss) {
  StateChanges garbage;
  garbage.written.push_back({.key = RoomRowKey(1400000001, "r1"), .value = "\xff\xff\xff"});
  ASSERT_TRUE(store_.Commit({}, &garbage).ok());
  Journal journal(store_, listener_);
  absl::Status status = journal.Recover();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

}  // namespace
}  // namespace liveevents::service
