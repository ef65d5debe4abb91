#include "service/store/redis/redis_event_log.h"

#include <hiredis/hiredis.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/store/redis/redis_script.h"

namespace liveevents::service::redis {
namespace {

// KEYS: head, events, dedup. ARGV: dedup key and event bytes, per event.
// Returns revision and duplicate flag (0/1), flattened, per event.
// Redis does not roll back a script that fails halfway, so each new event is written in the
// order that keeps every prefix consistent: XADD first (the one write that can fail, when the
// stream and the head disagree), then the head, then the dedup entry. A head missing under an
// existing stream is refused before any write. Numbers are formatted with %d because Lua's
// default formatting turns large ones into "1e+14".
constexpr char kAppendScript[] = R"lua(
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
if head == 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  return redis.error_reply('DATALOSS the head counter is missing but the event stream exists')
end
local results = {}
for i = 1, #ARGV, 2 do
  local original = redis.call('HGET', KEYS[3], ARGV[i])
  if original then
    results[#results + 1] = tonumber(original)
    results[#results + 1] = 1
  else
    local revision = string.format('%d', head + 1)
    redis.call('XADD', KEYS[2], revision .. '-0', 'k', ARGV[i], 'e', ARGV[i + 1])
    head = redis.call('INCR', KEYS[1])
    redis.call('HSET', KEYS[3], ARGV[i], revision)
    results[#results + 1] = head
    results[#results + 1] = 0
  end
end
return results
)lua";

// KEYS: head, events, dedup, checkpoint, stale. ARGV: first kept revision, chunk size.
// Drops up to a chunk of events before the first kept one, with their dedup fields; never the
// head nor anything after the checkpoint. Returns how many it dropped.
constexpr char kTrimScript[] = R"lua(
local first_kept = tonumber(ARGV[1])
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
local checkpoint = tonumber(redis.call('HGET', KEYS[4], 'revision') or '0')
first_kept = math.min(first_kept, head, checkpoint + 1)
if first_kept <= 1 then
  return 0
end
local entries = redis.call('XRANGE', KEYS[2], '-', string.format('%d', first_kept - 1),
                           'COUNT', tonumber(ARGV[2]))
if #entries == 0 then
  return 0
end
for _, entry in ipairs(entries) do
  redis.call('HDEL', KEYS[5], string.match(entry[1], '^(%d+)'))
  local fields = entry[2]
  for j = 1, #fields, 2 do
    if fields[j] == 'k' then
      redis.call('HDEL', KEYS[3], fields[j + 1])
    end
  end
end
local last = tonumber(string.match(entries[#entries][1], '^(%d+)'))
redis.call('XTRIM', KEYS[2], 'MINID', '=', string.format('%d', last + 1))
return #entries
)lua";

// KEYS: checkpoint, head. ARGV: revision, state.
// Returns 1 when saved, 0 when the saved checkpoint is as new or newer, -1 when the revision is
// beyond the head.
constexpr char kSaveCheckpointScript[] = R"lua(
local revision = tonumber(ARGV[1])
if revision > tonumber(redis.call('GET', KEYS[2]) or '0') then
  return -1
end
if revision <= tonumber(redis.call('HGET', KEYS[1], 'revision') or '0') then
  return 0
end
redis.call('HSET', KEYS[1], 'revision', ARGV[1], 'state', ARGV[2])
return 1
)lua";

const RedisScript& AppendScript() {
  static const RedisScript* script = new RedisScript(kAppendScript);
  return *script;
}
const RedisScript& TrimScript() {
  static const RedisScript* script = new RedisScript(kTrimScript);
  return *script;
}
const RedisScript& SaveCheckpointScript() {
  static const RedisScript* script = new RedisScript(kSaveCheckpointScript);
  return *script;
}

absl::Status UnexpectedReply(absl::string_view what) {
  return absl::InternalError(absl::StrCat("Redis: unexpected reply to ", what));
}

// "<revision>-0" -> revision.
absl::StatusOr<uint64_t> RevisionFromId(absl::string_view id) {
  uint64_t revision = 0;
  const size_t dash = id.find('-');
  if (dash == absl::string_view::npos || !absl::SimpleAtoi(id.substr(0, dash), &revision)) {
    return absl::DataLossError(absl::StrCat("Redis: stream entry id '", id, "' is no revision"));
  }
  return revision;
}

// One stream entry ([id, [field, value, ...]]) as an event with its revision set.
absl::StatusOr<EventPtr> ParseEntry(const redisReply& entry) {
  if (entry.type != REDIS_REPLY_ARRAY || entry.elements != 2 ||
      entry.element[0]->type != REDIS_REPLY_STRING || entry.element[1]->type != REDIS_REPLY_ARRAY) {
    return UnexpectedReply("a stream read");
  }
  absl::StatusOr<uint64_t> revision = RevisionFromId(ReplyText(*entry.element[0]));
  if (!revision.ok()) return revision.status();
  const redisReply& fields = *entry.element[1];
  for (size_t i = 0; i + 1 < fields.elements; i += 2) {
    if (ReplyText(*fields.element[i]) != "e") continue;
    const redisReply& bytes = *fields.element[i + 1];
    auto event = std::make_shared<v1::Event>();
    if (bytes.type != REDIS_REPLY_STRING ||
        !event->ParseFromArray(bytes.str, static_cast<int>(bytes.len))) {
      return absl::DataLossError(absl::StrCat("Redis: event ", *revision, " does not parse"));
    }
    event->set_revision(*revision);
    return event;
  }
  return absl::DataLossError(absl::StrCat("Redis: event ", *revision, " has no event bytes"));
}

// The entries of an XRANGE reply as events, checked to continue `after_revision` densely.
absl::StatusOr<std::vector<EventPtr>> ParseEntries(const redisReply& entries,
                                                   uint64_t after_revision) {
  if (entries.type != REDIS_REPLY_ARRAY) return UnexpectedReply("a stream read");
  std::vector<EventPtr> events;
  events.reserve(entries.elements);
  for (size_t i = 0; i < entries.elements; ++i) {
    absl::StatusOr<EventPtr> event = ParseEntry(*entries.element[i]);
    if (!event.ok()) return event.status();
    const uint64_t expected = after_revision + 1 + i;
    if ((*event)->revision() != expected) {
      // Only trimming removes events, and only from the front: a gap at the start means the
      // reader fell behind retention, one further in means the stream was damaged.
      if (i > 0) {
        return absl::DataLossError(absl::StrCat("Redis: revision ", expected, " is missing"));
      }
      return absl::FailedPreconditionError(
          absl::StrCat("revision ", expected, " was trimmed; the oldest retained revision is ",
                       (*event)->revision()));
    }
    events.push_back(*std::move(event));
  }
  return events;
}

absl::StatusOr<uint64_t> IntegerFromString(const redisReply& reply, absl::string_view what) {
  if (reply.type == REDIS_REPLY_NIL) return 0;
  uint64_t value = 0;
  if (reply.type != REDIS_REPLY_STRING || !absl::SimpleAtoi(ReplyText(reply), &value)) {
    return UnexpectedReply(what);
  }
  return value;
}

}  // namespace

absl::StatusOr<RedisKeys> RedisKeys::ForPrefix(absl::string_view prefix) {
  if (prefix.empty() || absl::StrContains(prefix, '{') || absl::StrContains(prefix, '}')) {
    return absl::InvalidArgumentError(
        absl::StrCat("Redis key prefix '", prefix, "' must be non-empty and without braces"));
  }
  const std::string tag = absl::StrCat("{", prefix, "}:");
  return RedisKeys{.head = absl::StrCat(tag, "head"),
                   .events = absl::StrCat(tag, "events"),
                   .dedup = absl::StrCat(tag, "dedup"),
                   .checkpoint = absl::StrCat(tag, "checkpoint"),
                   .stale = absl::StrCat(tag, "stale")};
}

absl::StatusOr<std::unique_ptr<RedisEventLog>> RedisEventLog::Create(RedisEventLogOptions options) {
  absl::StatusOr<RedisKeys> keys = RedisKeys::ForPrefix(options.key_prefix);
  if (!keys.ok()) return keys.status();
  if (options.trim_chunk == 0) return absl::InvalidArgumentError("trim_chunk must be positive");
  return std::unique_ptr<RedisEventLog>(new RedisEventLog(std::move(options), *std::move(keys)));
}

RedisEventLog::RedisEventLog(RedisEventLogOptions options, RedisKeys keys)
    : options_(std::move(options)),
      keys_(std::move(keys)),
      connection_(options_.connection),
      follow_connection_(options_.connection) {}

absl::StatusOr<std::vector<AppendResult>> RedisEventLog::Append(absl::Span<const EventPtr> events) {
  if (events.empty()) return std::vector<AppendResult>();
  std::vector<std::string> serialized(events.size());
  std::vector<absl::string_view> args;
  args.reserve(2 * events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i]->dedup_key().empty()) {
      return absl::InvalidArgumentError("every appended event needs a dedup key");
    }
    if (!events[i]->SerializeToString(&serialized[i])) {
      return absl::InvalidArgumentError("an appended event does not serialize");
    }
    args.push_back(events[i]->dedup_key());
    args.push_back(serialized[i]);
  }
  const absl::string_view keys[] = {keys_.head, keys_.events, keys_.dedup};
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RedisReplyPtr> reply = AppendScript().Run(connection_, keys, args);
  if (!reply.ok()) return reply.status();
  const redisReply& results = **reply;
  if (results.type != REDIS_REPLY_ARRAY || results.elements != 2 * events.size()) {
    return UnexpectedReply("the append script");
  }
  std::vector<AppendResult> appended(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const redisReply& revision = *results.element[2 * i];
    const redisReply& duplicate = *results.element[2 * i + 1];
    if (revision.type != REDIS_REPLY_INTEGER || duplicate.type != REDIS_REPLY_INTEGER) {
      return UnexpectedReply("the append script");
    }
    appended[i] = {.revision = static_cast<uint64_t>(revision.integer),
                   .duplicate = duplicate.integer != 0};
  }
  if (absl::Status replicated = WaitForReplicas(); !replicated.ok()) return replicated;
  return appended;
}

absl::Status RedisEventLog::WaitForReplicas() {
  if (options_.wait_replicas <= 0) return absl::OkStatus();
  const std::string replicas = absl::StrCat(options_.wait_replicas);
  const std::string timeout_ms =
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(options_.wait_timeout)));
  absl::StatusOr<RedisReplyPtr> acked =
      connection_.BlockingCommand({"WAIT", replicas, timeout_ms}, options_.wait_timeout);
  if (!acked.ok()) return acked.status();
  if ((*acked)->type != REDIS_REPLY_INTEGER) return UnexpectedReply("WAIT");
  if ((*acked)->integer < options_.wait_replicas) {
    return absl::UnavailableError(absl::StrCat(
        "Redis: only ", (*acked)->integer, " of ", options_.wait_replicas,
        " replicas acknowledged the batch in time; it is journaled on the primary, and a retry "
        "answers its events as duplicates"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EventPtr>> RedisEventLog::ReadAfter(uint64_t after_revision,
                                                               size_t limit) {
  if (limit == 0) return absl::InvalidArgumentError("limit must be positive");
  // Every id is "<revision>-0", so starting at the next revision is the exclusive start.
  const std::string start = absl::StrCat(after_revision + 1);
  const std::string count = absl::StrCat(limit);
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RedisReplyPtr> reply =
      connection_.Command({"XRANGE", keys_.events, start, "+", "COUNT", count});
  if (!reply.ok()) return reply.status();
  return ParseEntries(**reply, after_revision);
}

absl::StatusOr<std::vector<EventPtr>> RedisEventLog::ReadBlocking(uint64_t after_revision,
                                                                  size_t limit,
                                                                  absl::Duration timeout) {
  if (limit == 0) return absl::InvalidArgumentError("limit must be positive");
  // BLOCK 0 would wait forever; a follower must come back to notice shutdown.
  timeout = std::max(timeout, absl::Milliseconds(1));
  const std::string count = absl::StrCat(limit);
  const std::string block_ms = absl::StrCat(absl::ToInt64Milliseconds(timeout));
  const std::string after = absl::StrCat(after_revision, "-0");
  absl::MutexLock lock(&follow_mu_);
  absl::StatusOr<RedisReplyPtr> reply = follow_connection_.BlockingCommand(
      {"XREAD", "COUNT", count, "BLOCK", block_ms, "STREAMS", keys_.events, after}, timeout);
  if (!reply.ok()) return reply.status();
  const redisReply& streams = **reply;
  if (streams.type == REDIS_REPLY_NIL) return std::vector<EventPtr>();  // Timed out.
  // [[stream name, entries]]
  if (streams.type != REDIS_REPLY_ARRAY || streams.elements != 1 ||
      streams.element[0]->type != REDIS_REPLY_ARRAY || streams.element[0]->elements != 2) {
    return UnexpectedReply("XREAD");
  }
  return ParseEntries(*streams.element[0]->element[1], after_revision);
}

absl::StatusOr<uint64_t> RedisEventLog::HeadRevision() {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RedisReplyPtr> reply = connection_.Command({"GET", keys_.head});
  if (!reply.ok()) return reply.status();
  return IntegerFromString(**reply, "GET head");
}

absl::StatusOr<uint64_t> RedisEventLog::OldestRevision() {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RedisReplyPtr> reply =
      connection_.Command({"XRANGE", keys_.events, "-", "+", "COUNT", "1"});
  if (!reply.ok()) return reply.status();
  const redisReply& entries = **reply;
  if (entries.type != REDIS_REPLY_ARRAY) return UnexpectedReply("XRANGE");
  if (entries.elements == 0) return 0;
  const redisReply& entry = *entries.element[0];
  if (entry.type != REDIS_REPLY_ARRAY || entry.elements == 0 ||
      entry.element[0]->type != REDIS_REPLY_STRING) {
    return UnexpectedReply("XRANGE");
  }
  return RevisionFromId(ReplyText(*entry.element[0]));
}

absl::StatusOr<uint64_t> RedisEventLog::FirstRevisionReceivedSince(int64_t time_ms) {
  absl::StatusOr<uint64_t> oldest = OldestRevision();
  if (!oldest.ok() || *oldest == 0) return oldest;
  absl::StatusOr<uint64_t> head = HeadRevision();
  if (!head.ok()) return head;
  // The answer lies in [low, high]; high = head + 1 stands for "none".
  uint64_t low = *oldest;
  uint64_t high = *head + 1;
  while (low < high) {
    const uint64_t middle = low + (high - low) / 2;
    absl::StatusOr<std::vector<EventPtr>> event = ReadAfter(middle - 1, 1);
    if (!event.ok()) return event.status();
    if (event->empty()) return absl::InternalError("Redis: a retained revision is missing");
    if (event->front()->received_time_ms() >= time_ms) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return low > *head ? 0 : low;
}

absl::StatusOr<uint64_t> RedisEventLog::Trim(uint64_t first_kept) {
  const std::string first = absl::StrCat(first_kept);
  const std::string chunk = absl::StrCat(options_.trim_chunk);
  const absl::string_view keys[] = {keys_.head, keys_.events, keys_.dedup, keys_.checkpoint,
                                    keys_.stale};
  const absl::string_view args[] = {first, chunk};
  while (true) {
    absl::StatusOr<RedisReplyPtr> reply;
    {
      // Released between chunks, so that appends interleave with a long trim.
      absl::MutexLock lock(&mu_);
      reply = TrimScript().Run(connection_, keys, args);
    }
    if (!reply.ok()) return reply.status();
    if ((*reply)->type != REDIS_REPLY_INTEGER) return UnexpectedReply("the trim script");
    if (static_cast<size_t>((*reply)->integer) < options_.trim_chunk) break;
  }
  return OldestRevision();
}

absl::StatusOr<bool> RedisEventLog::SaveCheckpoint(const Checkpoint& checkpoint) {
  const std::string revision = absl::StrCat(checkpoint.revision);
  const absl::string_view keys[] = {keys_.checkpoint, keys_.head};
  const absl::string_view args[] = {revision, checkpoint.state};
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RedisReplyPtr> reply = SaveCheckpointScript().Run(connection_, keys, args);
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_INTEGER) return UnexpectedReply("the checkpoint script");
  if ((*reply)->integer < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint revision ", checkpoint.revision, " is beyond the head"));
  }
  return (*reply)->integer == 1;
}

absl::StatusOr<std::optional<Checkpoint>> RedisEventLog::LoadCheckpoint() {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RedisReplyPtr> reply =
      connection_.Command({"HMGET", keys_.checkpoint, "revision", "state"});
  if (!reply.ok()) return reply.status();
  const redisReply& fields = **reply;
  if (fields.type != REDIS_REPLY_ARRAY || fields.elements != 2) return UnexpectedReply("HMGET");
  if (fields.element[0]->type == REDIS_REPLY_NIL) return std::nullopt;
  absl::StatusOr<uint64_t> revision = IntegerFromString(*fields.element[0], "HMGET");
  if (!revision.ok()) return revision.status();
  if (fields.element[1]->type != REDIS_REPLY_STRING) return UnexpectedReply("HMGET");
  return Checkpoint{.revision = *revision, .state = std::string(ReplyText(*fields.element[1]))};
}

absl::Status RedisEventLog::MarkStale(absl::Span<const uint64_t> revisions) {
  if (revisions.empty()) return absl::OkStatus();
  std::vector<std::string> numbers;
  numbers.reserve(revisions.size());
  for (uint64_t revision : revisions) numbers.push_back(absl::StrCat(revision));
  std::vector<absl::string_view> args = {"HSET", keys_.stale};
  for (const std::string& number : numbers) {
    args.push_back(number);
    args.push_back("1");
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RedisReplyPtr> reply = connection_.Command(absl::MakeConstSpan(args));
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::StatusOr<std::vector<bool>> RedisEventLog::StaleMarks(absl::Span<const uint64_t> revisions) {
  if (revisions.empty()) return std::vector<bool>();
  std::vector<std::string> numbers;
  numbers.reserve(revisions.size());
  for (uint64_t revision : revisions) numbers.push_back(absl::StrCat(revision));
  std::vector<absl::string_view> args = {"HMGET", keys_.stale};
  for (const std::string& number : numbers) args.push_back(number);
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RedisReplyPtr> reply = connection_.Command(absl::MakeConstSpan(args));
  if (!reply.ok()) return reply.status();
  const redisReply& marks = **reply;
  if (marks.type != REDIS_REPLY_ARRAY || marks.elements != revisions.size()) {
    return UnexpectedReply("HMGET stale");
  }
  std::vector<bool> stale(revisions.size());
  for (size_t i = 0; i < revisions.size(); ++i) {
    stale[i] = marks.element[i]->type == REDIS_REPLY_STRING;
  }
  return stale;
}

}  // namespace liveevents::service::redis
