// The Journal against a store that can hold or fail its writes, and a fake clock: group commit
// answers, the broken-store path, duplicates of events still being committed, and retention by
// the journal's own clock.
#include "service/journal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "service/store/memory_event_store.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::service {
namespace {

using liveevents::testing::MakeCreateRoom;

// A memory store whose Append can be held at a gate and made to fail.
class ScriptedStore : public MemoryEventStore {
 public:
  absl::Status Append(absl::Span<const EventPtr> events) override {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&open_));
      if (fail_next_) {
        fail_next_ = false;
        return absl::InternalError("disk on fire");
      }
    }
    return MemoryEventStore::Append(events);
  }

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
};

class RecordingListener : public CommitListener {
 public:
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

class JournalTest : public ::testing::Test {
 protected:
  void Start(JournalOptions options = {}) {
    options.clock = [this] { return absl::FromUnixMillis(now_ms_.load()); };
    journal_ = std::make_unique<Journal>(store_, listener_, options);
    ASSERT_TRUE(journal_->Recover().ok());
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
  options.snapshot_every = 1;
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

}  // namespace
}  // namespace liveevents::service
