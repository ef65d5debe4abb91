// The journal kept in Redis, for many service replicas sharing one Redis (issue 11): sequencing
// (dedup, revision, durable write) as one Lua script per batch, reads and a blocking follow over
// a Redis stream whose entry ids are the revisions, trimming, and the state checkpoint.
//
// Keys, all with the hash tag {prefix} so that Redis Cluster keeps them in one slot (the scripts
// touch several of them atomically):
//   {prefix}:head        string: the last revision handed out (0 or absent: none yet)
//   {prefix}:events      stream: entry id "<revision>-0", fields k = dedup key, e = the serialized
//                        v1::Event (its revision field is not trusted: readers set it from the id)
//   {prefix}:dedup       hash: dedup key -> revision, one field per retained event
//   {prefix}:checkpoint  hash: revision, state (the folded state as of that revision)
//   {prefix}:stale       hash: revision -> "1" for each retained event that folded as stale
//                        (staleness is decided by folding in revision order, after Append, so
//                        the replicas' followers record it here for readers of old events)
//
// Retention: a dedup entry lives exactly as long as its event. Trim removes the events and their
// dedup fields in the same script, so a retained event is always recognised as a duplicate, and
// a retry of a trimmed one is journaled again (as with the SQLite store after compaction). No
// TTLs: a TTL cannot follow a count-based retention, and an expired key under a retained event
// would let a retry through twice. Redis must run with `maxmemory-policy noeviction`, since an
// evicted key would lose events or dedup entries.
//
// Needs Redis 6.2 or newer (XTRIM MINID).
#ifndef LIVEEVENTS_SERVICE_STORE_REDIS_REDIS_EVENT_LOG_H_
#define LIVEEVENTS_SERVICE_STORE_REDIS_REDIS_EVENT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "liveevents/v1/events.pb.h"
#include "service/store/redis/redis_connection.h"

namespace liveevents::service::redis {

using EventPtr = std::shared_ptr<const v1::Event>;

// The Redis keys of one deployment.
struct RedisKeys {
  // `prefix` must not be empty nor contain '{' or '}' (it becomes the hash tag).
  static absl::StatusOr<RedisKeys> ForPrefix(absl::string_view prefix);

  std::string head;
  std::string events;
  std::string dedup;
  std::string checkpoint;
  std::string stale;
};

struct RedisEventLogOptions {
  RedisConnectionOptions connection;
  // Several deployments can share one Redis under different prefixes.
  std::string key_prefix = "liveevents";
  // When > 0, Append returns only after this many replicas acknowledged the batch (Redis WAIT),
  // waiting at most `wait_timeout`.
  int wait_replicas = 0;
  absl::Duration wait_timeout = absl::Seconds(1);
  // Trim removes at most this many events per script, so that one Trim never stalls Redis.
  size_t trim_chunk = 1000;
};

struct AppendResult {
  uint64_t revision = 0;   // The event's revision; for a duplicate, the original's.
  bool duplicate = false;  // The dedup key was already journaled; nothing was added.
};

// The folded state as of `revision` (a serialized internal::State), shared by all replicas.
struct Checkpoint {
  uint64_t revision = 0;
  std::string state;
};

// Thread-safe. Calls block (network round trips); run them on the caller's own threads, never on
// gRPC's. ReadBlocking has a connection of its own, so a waiting follower does not hold up
// Append; everything else shares one connection, one call at a time. A connection failure is
// UNAVAILABLE and the next call connects again.
class RedisEventLog {
 public:
  // Does not connect: the first call does.
  static absl::StatusOr<std::unique_ptr<RedisEventLog>> Create(RedisEventLogOptions options);

  // Journals `events` in order as one atomic step (one Lua script): each event whose dedup_key
  // (required, non-empty) is new gets the next revision and is added; a key already journaled,
  // also earlier in the same batch, adds nothing and answers the original revision with
  // duplicate = true. The events' own revision fields are ignored. When this returns OK the
  // batch is durable as far as Redis is configured to make it (AOF appendfsync always; see
  // wait_replicas). UNAVAILABLE means the batch may or may not have been journaled: retrying it
  // is safe, events that made it come back as duplicates with their revisions.
  absl::StatusOr<std::vector<AppendResult>> Append(absl::Span<const EventPtr> events);

  // At most `limit` (> 0) events with revision > `after_revision`, in revision order, with their
  // revision set. FAILED_PRECONDITION when the events right after `after_revision` were trimmed
  // (the message names the oldest retained revision): a follower must never skip silently.
  absl::StatusOr<std::vector<EventPtr>> ReadAfter(uint64_t after_revision, size_t limit);

  // As ReadAfter, but when there is nothing after `after_revision` yet, waits up to `timeout`
  // (XREAD BLOCK) for events to be appended; empty when none came. The follow primitive: loop
  // with the last revision received.
  absl::StatusOr<std::vector<EventPtr>> ReadBlocking(uint64_t after_revision, size_t limit,
                                                     absl::Duration timeout);

  // The newest revision handed out; 0 when nothing was appended.
  absl::StatusOr<uint64_t> HeadRevision();
  // The oldest retained revision; 0 when nothing was appended.
  absl::StatusOr<uint64_t> OldestRevision();

  // The oldest retained revision received at or after `time_ms` (Event.received_time_ms), or 0
  // when there is none; for time-based retention. A binary search (a round trip per step) that
  // takes receive times to rise with revisions: true up to the clock skew between replicas,
  // which is how far retention may err.
  absl::StatusOr<uint64_t> FirstRevisionReceivedSince(int64_t time_ms);

  // Drops the events with revision < `first_kept`, with their dedup entries, and returns the
  // oldest revision retained. Never drops the head, nor anything after the saved checkpoint
  // (a starting replica needs the checkpoint plus every event after it), so without a
  // checkpoint nothing is trimmed. Runs in chunks of trim_chunk events, each atomic. A replica
  // catching up from an older checkpoint may then find its start trimmed (FAILED_PRECONDITION
  // from the reads): it loads the checkpoint again.
  absl::StatusOr<uint64_t> Trim(uint64_t first_kept);

  // Saves `checkpoint` if its revision is newer than the saved one (atomically; false when it
  // is not). FAILED_PRECONDITION when its revision is beyond the head: a checkpoint never runs
  // ahead of the journal.
  absl::StatusOr<bool> SaveCheckpoint(const Checkpoint& checkpoint);
  // The saved checkpoint, if any.
  absl::StatusOr<std::optional<Checkpoint>> LoadCheckpoint();

  // Records that these revisions folded as stale. Idempotent: every replica folds the same
  // events in the same order and records the same marks. Trim drops the marks with the events.
  absl::Status MarkStale(absl::Span<const uint64_t> revisions);
  // For each of `revisions`, whether it was marked stale.
  absl::StatusOr<std::vector<bool>> StaleMarks(absl::Span<const uint64_t> revisions);

  const RedisKeys& keys() const { return keys_; }

 private:
  RedisEventLog(RedisEventLogOptions options, RedisKeys keys);
  // WAIT for the configured replicas, on the connection that wrote: WAIT covers that
  // connection's writes only.
  absl::Status WaitForReplicas() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RedisEventLogOptions options_;
  const RedisKeys keys_;
  absl::Mutex mu_;
  RedisConnection connection_ ABSL_GUARDED_BY(mu_);
  absl::Mutex follow_mu_;
  RedisConnection follow_connection_ ABSL_GUARDED_BY(follow_mu_);
};

}  // namespace liveevents::service::redis

#endif  // LIVEEVENTS_SERVICE_STORE_REDIS_REDIS_EVENT_LOG_H_
