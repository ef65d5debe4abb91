// The room and battle state derived from the journal: a pure state machine with no I/O, clocks or
// threads. Folding the same events in the same order always gives the same state, which is what
// lets a restarted service rebuild its state from the journal.
#ifndef LIVEEVENTS_SERVICE_CORE_LIVE_STATE_H_
#define LIVEEVENTS_SERVICE_CORE_LIVE_STATE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "liveevents/internal/state.pb.h"
#include "liveevents/v1/live_events.pb.h"
#include "service/core/copy_on_write.h"
#include "service/core/state_rows.h"

namespace liveevents::service {

// What applying one event did.
struct ApplyOutcome {
  // The event is older than the state it concerns (or concerns a destroyed room): it is still
  // journaled and delivered, marked stale, and changed nothing at all, bookkeeping included.
  bool stale = false;
};

// Tencent's room and battle ids are unique only within one SdkAppid, so rooms and battles are
// keyed by (sdk_app_id, id), ordered by app, then id.
using EntityKey = std::pair<uint64_t, std::string>;

struct LiveStateOptions {
  // How long an offline member's fact time is remembered, measured back from the newest
  // EventTime applied to its room (not the wall clock, so replay gives the same state). A late
  // Online older than that is applied as if new.
  int64_t member_reorder_horizon_ms = 10 * 60 * 1000;
};

// One room: the public view plus what the state machine needs to judge late facts.
struct RoomRecord {
  CopyOnWrite<v1::Room>
      room;  // Kept current, online_count included; what queries and snapshots send.
  int64_t info_event_time_ms = 0;
  int64_t seats_event_time_ms = 0;
  int64_t last_received_time_ms = 0;
  std::map<std::string, int64_t> metadata_times;
  std::map<std::string, int64_t> admin_times;
  std::map<std::string, int64_t> online;   // Account -> its newest fact time; ordered for paging.
  std::map<std::string, int64_t> offline;  // Account -> fact time, within the reorder horizon.
  std::set<std::pair<int64_t, std::string>> offline_by_time;  // The same, oldest first.
};

struct BattleRecord {
  CopyOnWrite<v1::Battle> battle;  // Shared with snapshots being sent.
  int64_t last_received_time_ms = 0;
  bool create_applied = false;
  int64_t create_event_time_ms = 0;
};

// Rooms and battles, keyed by (sdk_app_id, id). Not thread-safe: the owner serialises access.
//
// Tencent delivers callbacks without order, so the rules are (README.md, "Guarantees"):
//  - each entity keeps the EventTime of the newest fact applied; an older fact is stale, and a
//    stale fact changes nothing at all (the state serialises identically before and after);
//  - battle phases only move forward (CREATED, STARTED, ENDED); an End without a Start is valid;
//  - CreateBattle alone carries the operator, timeout, need_response and extension: a late
//    Create (the battle already STARTED or ENDED) whose battle has no Create applied yet is not
//    stale: it fills those four fields and nothing else, so every arrival order of
//    Create/Start/End ends in the same battle. A Create older than a Create already applied is
//    stale;
//  - a destroyed room is a tombstone: later facts about it are stale, except a CreateRoom whose
//    creation is newer than the destruction (Tencent reuses room ids);
//  - seat lists are full snapshots; online members are a set, so counts never go negative;
//  - a LiveEvents.BattleOverdue (journaled by the service, not Tencent) marks a STARTED battle
//    overdue and changes nothing else: not its state, and not its newest EventTime, so the late
//    End it was waiting for is never stale because of it. About any other battle it is stale;
//  - a room's current_battle_id names the STARTED battle it is in: a Start that is applied sets
//    it on the battle's rooms that exist and are not destroyed (unless a room is already in
//    another STARTED battle that started later), an End that is applied clears it where it
//    names that battle, a DestroyRoom clears it. A battle never creates a room;
//  - per-member fact times stay bounded: online members keep theirs, offline members only
//    within LiveStateOptions::member_reorder_horizon_ms of the room's newest EventTime.
class LiveState {
 public:
  // Bumped whenever internal::State changes meaning; Restore refuses any other value.
  static constexpr uint32_t kStateFormat = 2;

  explicit LiveState(LiveStateOptions options = {});

  ApplyOutcome Apply(const v1::Event& event);

  const v1::Room* FindRoom(uint64_t sdk_app_id, const std::string& room_id) const;
  const v1::Battle* FindBattle(uint64_t sdk_app_id, const std::string& battle_id) const;
  const RoomRecord* FindRoomRecord(uint64_t sdk_app_id, const std::string& room_id) const;
  // The apps that have a room (a battle) with this id, ascending; a lookup, not a scan.
  std::vector<uint64_t> AppsWithRoom(const std::string& room_id) const;
  std::vector<uint64_t> AppsWithBattle(const std::string& battle_id) const;
  const std::map<EntityKey, RoomRecord>& rooms() const { return rooms_; }
  const std::map<EntityKey, BattleRecord>& battles() const { return battles_; }

  // The whole state, bookkeeping included, in key order (so equal states serialise to equal
  // bytes), and back. Restore replaces the current state; it refuses another format.
  internal::State ToSnapshot() const;
  absl::Status Restore(const internal::State& snapshot);

  // At most `limit` STARTED battles not yet marked overdue whose deadline (OverdueDeadlineMs
  // with `grace_ms`) is at or before `now_ms`, earliest deadline first. From an index of the
  // deadlines: the cost is the battles returned, not all battles.
  std::vector<const v1::Battle*> BattlesOverdueAt(int64_t now_ms, int64_t grace_ms,
                                                  size_t limit = SIZE_MAX) const;

  // Removes destroyed rooms and ended battles whose last fact was received before `cutoff_ms`.
  void ForgetFinishedBefore(int64_t cutoff_ms);

  // The rows (state_rows.h) changed since the previous call, or since Restore, as of now; the
  // journal writes them with the events that changed them.
  StateChanges TakeChanges();
  // Makes the next TakeChanges replace every row (after a replay the rows are out of date).
  void MarkAllChanged() { replace_all_ = true; }

 private:
  ApplyOutcome ApplyPayload(const v1::Event& event);
  // The deadline index holds every battle OverdueDeadlineMs gives a deadline (grace 0).
  void UnindexDeadline(const EntityKey& key);
  void IndexDeadline(const EntityKey& key);
  ApplyOutcome ApplyCreateRoom(const v1::Event& event);
  ApplyOutcome ApplyDestroyRoom(const v1::Event& event);
  ApplyOutcome ApplyRoomFact(const v1::Event& event, const std::string& room_id);
  ApplyOutcome ApplyCreateBattle(const v1::Event& event);
  ApplyOutcome ApplyStartBattle(const v1::Event& event);
  ApplyOutcome ApplyEndBattle(const v1::Event& event);
  ApplyOutcome ApplyBattleOverdue(const v1::Event& event);
  // Records that `event` changed the room, and forgets offline members beyond the horizon.
  void TouchRoom(const v1::Event& event, const EntityKey& key, RoomRecord& record);
  void MemberChanged(const EntityKey& room, const std::string& account) {
    changed_members_[room].insert(account);
  }
  // Appends the rows of one room (with all its members when `all_members`, else only the
  // changed ones) to `changes`.
  void AddRoomRows(const EntityKey& key, const RoomRecord& record, bool all_members,
                   StateChanges& changes) const;
  void ForgetChanges();
  // Points the battle's existing rooms at it (EnterBattle) or, where they point at it, at
  // nothing (LeaveBattle). `revision` is the event that did it.
  void EnterBattle(const v1::Battle& battle, uint64_t revision);
  void LeaveBattle(const v1::Battle& battle, uint64_t revision);
  // The one place a battle changes a room: sets its current_battle_id ("" clears it) and
  // last_revision, and marks the room changed. Does nothing to a room that does not exist or is
  // destroyed.
  void SetCurrentBattle(const EntityKey& room_key, const std::string& battle_id, uint64_t revision);

  // Every insertion and removal goes through these, so the by-id indexes stay exact.
  RoomRecord& EmplaceRoom(const EntityKey& key, bool* inserted = nullptr);
  void EraseRoom(std::map<EntityKey, RoomRecord>::iterator it);
  BattleRecord& EmplaceBattle(const EntityKey& key, bool* inserted = nullptr);
  void EraseBattle(std::map<EntityKey, BattleRecord>::iterator it);

  LiveStateOptions options_;
  std::map<EntityKey, RoomRecord> rooms_;
  std::map<EntityKey, BattleRecord> battles_;
  // id -> the apps that have a room (battle) with that id, for queries that name no app.
  absl::flat_hash_map<std::string, std::set<uint64_t>> room_apps_;
  absl::flat_hash_map<std::string, std::set<uint64_t>> battle_apps_;
  // (deadline without grace, battle) of every battle that can become overdue.
  std::set<std::pair<int64_t, EntityKey>> deadlines_;

  // What TakeChanges reports: entities touched (whether or not they still exist), rooms erased
  // (their rows and members go), members added, changed or removed, per room.
  absl::flat_hash_set<EntityKey> changed_rooms_;
  absl::flat_hash_set<EntityKey> erased_rooms_;
  absl::flat_hash_set<EntityKey> changed_battles_;
  absl::flat_hash_map<EntityKey, absl::flat_hash_set<std::string>> changed_members_;
  bool replace_all_ = false;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_LIVE_STATE_H_
