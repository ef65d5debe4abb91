#include "service/redis_event_store.h"

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
  return journal_.ReadAfter(after_revision, limit);
}

uint64_t RedisEventStore::OldestRevision() const { return journal_.OldestRevision(); }

absl::StatusOr<uint64_t> RedisEventStore::FirstRevisionReceivedSince(int64_t) const {
  return Unimplemented("FirstRevisionReceivedSince");
}

absl::Status RedisEventStore::Compact(uint64_t) { return Unimplemented("Compact"); }

absl::StatusOr<std::optional<uint64_t>> RedisEventStore::FindRevision(absl::string_view) const {
  return Unimplemented("FindRevision");
}

absl::Status RedisEventStore::ForEachDedupKey(
    absl::FunctionRef<void(uint64_t, absl::string_view)>) const {
  return Unimplemented("ForEachDedupKey");
}

absl::StatusOr<StoredState> RedisEventStore::LoadState() const {
  return Unimplemented("LoadState");
}

}  // namespace liveevents::service
