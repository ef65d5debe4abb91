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
#include "liveevents/v1/live_events.pb.h"

namespace liveevents::service {

// What applying one event did.
struct ApplyOutcome {
  // The event is older than the state it concerns (or concerns a destroyed room): it is still
  // journaled and delivered, marked stale, but changed nothing a subscriber relies on.
  bool stale = false;
};

// Tencent's room and battle ids are unique only within one SdkAppid, so rooms and battles are
// keyed by (sdk_app_id, id), ordered by app, then id.
using EntityKey = std::pair<uint64_t, std::string>;

// Rooms and battles, keyed by (sdk_app_id, id). Not thread-safe: the owner serialises access.
//
// Tencent delivers callbacks without order, so the rules are (design §4):
//  - each entity keeps the EventTime of the newest fact applied; an older fact is stale;
//  - battle phases only move forward (CREATED, STARTED, ENDED); an End without a Start is valid,
//    and a late Create only fills the fields nothing else carries, so every arrival order of
//    Create/Start/End ends in the same battle;
//  - a destroyed room is a tombstone: later facts about it are stale, except a CreateRoom whose
//    creation is newer than the destruction (Tencent reuses room ids);
//  - seat lists are full snapshots; online members are a set, so counts never go negative.
class LiveState {
 public:
  ApplyOutcome Apply(const v1::Event& event);

  const v1::Room* FindRoom(uint64_t sdk_app_id, const std::string& room_id) const;
  const v1::Battle* FindBattle(uint64_t sdk_app_id, const std::string& battle_id) const;
  // The apps that have a room (a battle) with this id, ascending; a lookup, not a scan.
  std::vector<uint64_t> AppsWithRoom(const std::string& room_id) const;
  std::vector<uint64_t> AppsWithBattle(const std::string& battle_id) const;
  const std::map<EntityKey, v1::Room>& rooms() const { return rooms_; }
  const std::map<EntityKey, v1::Battle>& battles() const { return battles_; }

  // The whole state as a v1::Snapshot (rooms and battles in key order), and back. Restore
  // replaces the current state.
  v1::Snapshot ToSnapshot() const;
  void Restore(const v1::Snapshot& snapshot);

  // Removes destroyed rooms and ended battles whose last fact was received before `cutoff_ms`.
  void ForgetFinishedBefore(int64_t cutoff_ms);

 private:
  ApplyOutcome ApplyCreateRoom(const v1::Event& event);
  ApplyOutcome ApplyDestroyRoom(const v1::Event& event);
  ApplyOutcome ApplyRoomFact(const v1::Event& event, const std::string& room_id);
  ApplyOutcome ApplyCreateBattle(const v1::Event& event);
  ApplyOutcome ApplyStartBattle(const v1::Event& event);
  ApplyOutcome ApplyEndBattle(const v1::Event& event);

  // Every insertion and removal goes through these, so the by-id indexes stay exact.
  v1::Room& EmplaceRoom(const EntityKey& key, bool* inserted = nullptr);
  void EraseRoom(std::map<EntityKey, v1::Room>::iterator it);
  v1::Battle& EmplaceBattle(const EntityKey& key, bool* inserted = nullptr);
  void EraseBattle(std::map<EntityKey, v1::Battle>::iterator it);

  std::map<EntityKey, v1::Room> rooms_;
  std::map<EntityKey, v1::Battle> battles_;
  // id -> the apps that have a room (battle) with that id, for queries that name no app.
  absl::flat_hash_map<std::string, std::set<uint64_t>> room_apps_;
  absl::flat_hash_map<std::string, std::set<uint64_t>> battle_apps_;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_LIVE_STATE_H_
