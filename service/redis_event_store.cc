#include "service/redis_event_store.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"

namespace liveevents::service {
namespace {

absl::Status Unimplemented(absl::string_view what) {
  return absl::UnimplementedError(
      absl::StrCat(what, " is done by the RedisJournal, not through the store"));
}

}  // namespace

absl::Status RedisEventStore::Commit(absl::Span<const EventPtr>, const StateChanges*) {
  return Unimplemented("Commit");
}

absl::StatusOr<std::vector<EventPtr>> RedisEventStore::ReadAfter(uint64_t after_revision,
                                                                 size_t limit) const {
  // Only what this replica has applied: its head, its stale marks, its subscribers' view.
  const uint64_t published = journal_.PublishedRevision();
  if (after_revision >= published || limit == 0) return std::vector<EventPtr>();
  limit = std::min<uint64_t>(limit, published - after_revision);
  absl::StatusOr<std::vector<EventPtr>> events = log_.ReadAfter(after_revision, limit);
  if (!events.ok()) {
    if (!absl::IsFailedPrecondition(events.status())) return events.status();
    if (absl::StatusOr<uint64_t> oldest = log_.OldestRevision(); oldest.ok())
      journal_.NoteOldestRevision(*oldest);
    return absl::FailedPreconditionError(
        absl::StrCat("REVISION_COMPACTED: ", events.status().message(),
                     "; take a snapshot again (START_SNAPSHOT)"));
  }
  std::vector<uint64_t> revisions;
  revisions.reserve(events->size());
  for (const EventPtr& event : *events) revisions.push_back(event->revision());
  absl::StatusOr<std::vector<bool>> stale = log_.StaleMarks(revisions);
  if (!stale.ok()) return stale.status();
  for (size_t i = 0; i < events->size(); ++i) {
    // The stored bytes are what the publisher sent: only the marks say what folded stale.
    if ((*events)[i]->stale() == (*stale)[i]) continue;
    auto marked = std::make_shared<v1::Event>(*(*events)[i]);
    marked->set_stale((*stale)[i]);
    (*events)[i] = std::move(marked);
  }
  return events;
}

uint64_t RedisEventStore::OldestRevision() const { return journal_.OldestRevision(); }

absl::StatusOr<uint64_t> RedisEventStore::FirstRevisionReceivedSince(int64_t) const {
  return Unimplemented("FirstRevisionReceivedSince");
}

absl::Status RedisEventStore::Compact(uint64_t) { return Unimplemented("Compact"); }

absl::StatusOr<std::optional<std::string>> RedisEventStore::DedupKeyAt(uint64_t) const {
  return Unimplemented("DedupKeyAt");
}

absl::Status RedisEventStore::ForEachDedupHash(absl::FunctionRef<void(uint64_t, uint64_t)>) const {
  return Unimplemented("ForEachDedupHash");
}

absl::StatusOr<StoredState> RedisEventStore::LoadState() const {
  return Unimplemented("LoadState");
}

}  // namespace liveevents::service
