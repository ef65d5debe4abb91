#include "service/subscribe_reactor.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "common/logging/log.h"
#include "common/logging/log_rate_limiter.h"
#include "service/core/event_filter.h"
#include "service/core/event_keys.h"
#include "service/core/live_state.h"
#include "service/core/request_limits.h"
#include "service/service_metrics.h"

namespace liveevents::service {
namespace {

// One line per eviction, at most a burst and then 10 a second per reason: a stalled consumer
// fleet must not turn into a disk-filling log.
void LogEviction(const char* reason, uint64_t revision) {
  static logging::LogRateLimiter* limiter = new logging::LogRateLimiter();
  const std::optional<uint64_t> suppressed = limiter->Admit(reason);
  if (!suppressed.has_value()) return;
  logging::Log(logging::Level::kWarn, "subscriber_evicted",
               {{"reason", reason}, {"revision", revision}, {"suppressed", *suppressed}});
}

constexpr char kResumeRevisionKey[] = "liveevents-resume-revision";
// Bounds of one batch (SubscribeRequest.max_batch): well under a client's default 4 MiB limit
// on received messages.
constexpr size_t kMaxBatchEvents = 1024;
constexpr size_t kMaxBatchBytes = size_t{1} << 20;

// An app filter narrows every other list to that app's rooms and battles: room and battle ids
// are unique only within one app.
bool SnapshotWantsApp(const v1::EventFilter& filter, uint64_t sdk_app_id) {
  return filter.sdk_app_ids().empty() ||
         std::find(filter.sdk_app_ids().begin(), filter.sdk_app_ids().end(), sdk_app_id) !=
             filter.sdk_app_ids().end();
}

bool SnapshotWantsRoom(const v1::EventFilter& filter, const v1::Room& room) {
  if (!filter.battle_ids().empty() || !SnapshotWantsApp(filter, room.sdk_app_id())) return false;
  return filter.room_ids().empty() || std::find(filter.room_ids().begin(), filter.room_ids().end(),
                                                room.room_id()) != filter.room_ids().end();
}

bool SnapshotWantsBattle(const v1::EventFilter& filter, const v1::Battle& battle) {
  if (!SnapshotWantsApp(filter, battle.sdk_app_id())) return false;
  if (!filter.battle_ids().empty() &&
      std::find(filter.battle_ids().begin(), filter.battle_ids().end(), battle.battle_id()) ==
          filter.battle_ids().end()) {
    return false;
  }
  return filter.room_ids().empty() ||
         std::any_of(filter.room_ids().begin(), filter.room_ids().end(),
                     [&](const std::string& id) { return BattleInvolvesRoom(battle, id); });
}

}  // namespace

SubscribeReactor::SubscribeReactor(grpc::CallbackServerContext* context,
                                   const v1::SubscribeRequest& request, EventJournal& journal,
                                   EventStore& store, SubscriberHub& hub, CatchUpWorker& worker,
                                   RevisionWaiter& waiter, const SubscribeOptions& options)
    : context_(context),
      filter_(request.filter()),
      journal_(journal),
      store_(store),
      hub_(hub),
      worker_(worker),
      options_(options),
      max_batch_(std::clamp<size_t>(request.max_batch(), 1, kMaxBatchEvents)) {
  absl::Status status = ValidateFilter(filter_);
  if (!status.ok()) {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    Finish(ToGrpcStatus(status));
    return;
  }
  if (request.min_revision() == 0 || request.min_revision() <= journal_.AppliedRevision()) {
    Start(request);
    return;
  }
  // Nothing is written or finished while it waits (starting_), so a cancellation only leaves
  // its status for Start; the wait always ends (applied, deadline or shutdown), so the call does.
  const absl::Time deadline =
      std::min(absl::FromChrono(context->deadline()), absl::Now() + absl::Seconds(60));
  waiter.Wait(request.min_revision(), deadline, [this, request](absl::Status waited) {
    if (waited.ok()) {
      Start(request);
      return;
    }
    absl::MutexLock lock(&mu_);
    finished_ = true;
    Finish(ToGrpcStatus(waited));
  });
}

void SubscribeReactor::Start(const v1::SubscribeRequest& request) {
  if (absl::Status status = CheckStart(request); !status.ok()) {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    Finish(ToGrpcStatus(status));
    return;
  }
  // Register before choosing the start point, so nothing committed in between is missed. A
  // START_NOW stream goes live inside Register, under the hub's lock, so that it never depends
  // on a catch-up to catch the events published right after it; the others ignore the hub's
  // deliveries and read the journal until they go live.
  const bool start_now = request.start() == v1::SubscribeRequest::START_NOW ||
                         request.start() == v1::SubscribeRequest::START_UNSPECIFIED;
  const uint64_t head = hub_.Register(this, /*live=*/start_now);
  registered_ = true;
  bool catch_up = false;
  {
    absl::MutexLock lock(&mu_);
    starting_ = false;
    if (!pending_finish_.has_value()) {  // Registered while the server drains: just finish.
      switch (request.start()) {
        case v1::SubscribeRequest::START_AFTER_REVISION:
          scanned_revision_ = sent_revision_ = request.after_revision();
          break;
        case v1::SubscribeRequest::START_SNAPSHOT:
          break;  // The worker builds the snapshot; the client has nothing until it is through.
        default:
          sent_revision_ = head;  // GoLive set scanned_revision_; deliveries may have moved it.
      }
      // Clients and tests wait for the initial metadata to know the subscription is registered.
      StartSendInitialMetadata();
      if (request.start() != v1::SubscribeRequest::START_SNAPSHOT) QueueProgress();
    }
    catch_up = Pump();
  }
  if (catch_up) PostCatchUp(request.start() == v1::SubscribeRequest::START_SNAPSHOT);
}

absl::Status SubscribeReactor::CheckStart(const v1::SubscribeRequest& request) const {
  if (!journal_.Accepting()) {
    return absl::UnavailableError("the journal is loading or the server is stopping");
  }
  if (!v1::SubscribeRequest::Start_IsValid(request.start())) {
    return absl::InvalidArgumentError(
        absl::StrCat("start: ", request.start(), " is not a defined value"));
  }
  if (request.start() != v1::SubscribeRequest::START_AFTER_REVISION) return absl::OkStatus();
  return CheckResumePoint(request.after_revision(), store_.OldestRevision(),
                          journal_.AppliedRevision());
}

void SubscribeReactor::QueueSnapshot() {
  // Under the journal's lock only references are taken (the state shares its rooms and battles
  // copy-on-write); the copying into chunks happens after the lock is released.
  std::vector<std::shared_ptr<const v1::Room>> rooms;
  std::vector<std::shared_ptr<const v1::Battle>> battles;
  uint64_t as_of = 0;
  journal_.ReadState([&](const LiveState& state, uint64_t applied) {
    as_of = applied;
    for (const auto& [key, record] : state.rooms()) {
      if (SnapshotWantsRoom(filter_, *record.room)) rooms.push_back(record.room.Share());
    }
    for (const auto& [key, record] : state.battles()) {
      if (SnapshotWantsBattle(filter_, *record.battle)) battles.push_back(record.battle.Share());
    }
  });

  std::vector<ResponsePtr> chunks;
  v1::SubscribeResponse response;
  PageBudget budget;
  // Starts a new chunk when the current one has snapshot_chunk entries or the next entry would
  // take it past the byte budget.
  auto make_room_for = [&](size_t bytes) {
    const int size = response.snapshot().rooms_size() + response.snapshot().battles_size();
    if (size >= static_cast<int>(options_.snapshot_chunk) || !budget.Take(bytes)) {
      chunks.push_back(Encode(response));
      response.Clear();
      budget = PageBudget();
      budget.Take(bytes);
    }
  };
  for (const auto& room : rooms) {
    make_room_for(room->ByteSizeLong());
    *response.mutable_snapshot()->add_rooms() = *room;
  }
  for (const auto& battle : battles) {
    make_room_for(battle->ByteSizeLong());
    *response.mutable_snapshot()->add_battles() = *battle;
  }
  if (response.snapshot().rooms_size() + response.snapshot().battles_size() > 0) {
    chunks.push_back(Encode(response));
  }
  v1::SubscribeResponse end;
  end.mutable_snapshot_end()->set_revision(as_of);

  absl::MutexLock lock(&mu_);
  scanned_revision_ = as_of;
  for (ResponsePtr& chunk : chunks) Enqueue(std::move(chunk), as_of);
  Enqueue(Encode(end), as_of);
}

void SubscribeReactor::QueueProgress() {
  v1::SubscribeResponse response;
  response.mutable_progress()->set_revision(scanned_revision_);
  Enqueue(Encode(response), scanned_revision_);
}

void SubscribeReactor::Enqueue(ResponsePtr response, uint64_t revision, bool event) {
  queue_.push_back({.response = std::move(response), .revision = revision, .event = event});
}

std::pair<EncodedResponse, uint64_t> SubscribeReactor::TakeNextWrite() {
  Queued front = std::move(queue_.front());
  queue_.pop_front();
  if (max_batch_ <= 1 || !front.event || queue_.empty() || !queue_.front().event) {
    return {std::move(front.response), front.revision};
  }
  std::vector<EncodedResponse> batch;
  size_t bytes = front.response->Length();
  uint64_t revision = front.revision;
  batch.push_back(std::move(front.response));
  while (batch.size() < max_batch_ && !queue_.empty() && queue_.front().event &&
         bytes + queue_.front().response->Length() <= kMaxBatchBytes) {
    bytes += queue_.front().response->Length();
    revision = queue_.front().revision;
    batch.push_back(std::move(queue_.front().response));
    queue_.pop_front();
  }
  return {EncodeBatch(batch), revision};
}

bool SubscribeReactor::Pump() {
  if (finished_ || in_flight_ != nullptr || catching_up_ || starting_) return false;
  if (pending_finish_.has_value()) {
    // Every terminal status tells the client where to resume.
    context_->AddTrailingMetadata(kResumeRevisionKey, absl::StrCat(sent_revision_));
    finished_ = true;
    Finish(grpc::Status(pending_finish_->error_code(),
                        absl::StrCat(pending_finish_->error_message(),
                                     "; resume with after_revision=", sent_revision_)));
    return false;
  }
  if (!queue_.empty()) {
    std::tie(in_flight_, in_flight_revision_) = TakeNextWrite();
    StartWrite(in_flight_.get());
    return false;
  }
  if (live_) return false;
  catching_up_ = true;
  return true;
}

void SubscribeReactor::PostCatchUp(bool snapshot_first) {
  worker_.Post([this, snapshot_first] { CatchUp(snapshot_first); });
}

void SubscribeReactor::CatchUp(bool snapshot_first) {
  if (snapshot_first) QueueSnapshot();
  while (true) {
    uint64_t from;
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || pending_finish_.has_value()) {
        catching_up_ = false;
        Pump();
        return;
      }
      from = scanned_revision_;
    }
    // Read outside the lock: the store has its own, and the hub's lock comes before ours.
    absl::StatusOr<std::vector<EventPtr>> page = store_.ReadAfter(from, options_.journal_page);
    {
      absl::MutexLock lock(&mu_);
      if (!page.ok() && absl::IsFailedPrecondition(page.status())) {
        // Trimmed under the stream (another replica's retention, with the Redis store): the
        // client must snapshot again, as for a resume point older than the journal.
        EndWith(grpc::StatusCode::FAILED_PRECONDITION, std::string(page.status().message()));
        GetServiceMetrics().evicted_compacted.Increment();
        LogEviction("compacted", from);
        catching_up_ = false;
        Pump();
        return;
      }
      if (!page.ok()) {
        EndWith(grpc::StatusCode::UNAVAILABLE,
                absl::StrCat("reading the journal failed: ", page.status().message()));
        GetServiceMetrics().evicted_read_failed.Increment();
        LogEviction("read_failed", from);
        catching_up_ = false;
        Pump();
        return;
      }
      for (const EventPtr& event : *page) {
        if (event->revision() <= scanned_revision_) continue;
        scanned_revision_ = event->revision();
        if (!MatchesFilter(filter_, *event)) continue;
        Enqueue(EncodeEvent(*event), event->revision(), /*event=*/true);
      }
      if (!queue_.empty()) {
        // Continue from OnWriteDone once the client has taken this page.
        catching_up_ = false;
        Pump();
        return;
      }
      if (page->size() == options_.journal_page) continue;
      from = scanned_revision_;
    }
    if (hub_.TryGoLive(this, from)) return;
  }
}

void SubscribeReactor::EndWith(grpc::StatusCode code, const std::string& reason) {
  if (finished_ || pending_finish_.has_value()) return;
  pending_finish_ = grpc::Status(code, reason);
  queue_.clear();  // The resume revision covers what was not sent.
}

void SubscribeReactor::Deliver(const std::vector<Delivery>& batch) {
  absl::MutexLock lock(&mu_);
  if (!live_ || finished_ || pending_finish_.has_value()) return;
  for (const Delivery& delivery : batch) {
    const uint64_t revision = delivery.event->revision();
    if (revision <= scanned_revision_) continue;  // Already read from the journal.
    scanned_revision_ = revision;
    if (!MatchesFilter(filter_, *delivery.event)) continue;
    if (queue_.size() >= options_.max_queue) {
      EndWith(grpc::StatusCode::RESOURCE_EXHAUSTED,
              absl::StrCat("SLOW_CONSUMER: more than ", options_.max_queue,
                           " events waiting to be sent"));
      GetServiceMetrics().evicted_slow_consumer.Increment();
      LogEviction("slow_consumer", scanned_revision_);
      break;
    }
    Enqueue(delivery.response, revision, /*event=*/true);
  }
  Pump();
}

void SubscribeReactor::GoLive(uint64_t head) {
  absl::MutexLock lock(&mu_);
  live_ = true;
  catching_up_ = false;
  scanned_revision_ = std::max(scanned_revision_, head);
  Pump();
}

void SubscribeReactor::Tick() {
  absl::MutexLock lock(&mu_);
  if (!live_ || finished_ || pending_finish_.has_value()) return;
  if (in_flight_ != nullptr || !queue_.empty()) return;  // Not idle.
  QueueProgress();
  Pump();
}

void SubscribeReactor::Drain() {
  absl::MutexLock lock(&mu_);
  EndWith(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
  Pump();
}

void SubscribeReactor::Skipped(uint64_t head) {
  absl::MutexLock lock(&mu_);
  if (finished_ || pending_finish_.has_value()) return;  // Ending already, and counted so.
  GetServiceMetrics().evicted_compacted.Increment();
  LogEviction("compacted", head);
  EndWith(grpc::StatusCode::FAILED_PRECONDITION,
          absl::StrCat("REVISION_COMPACTED: this replica fell behind retention and continued from "
                       "revision ",
                       head, "; take a snapshot again (START_SNAPSHOT)"));
  Pump();
}

void SubscribeReactor::OnWriteDone(bool ok) {
  bool catch_up = false;
  {
    absl::MutexLock lock(&mu_);
    in_flight_.reset();
    if (ok) {
      sent_revision_ = std::max(sent_revision_, in_flight_revision_);
    } else {
      // The client is gone; Pump checks a pending finish first (gRPC rule 4).
      EndWith(grpc::StatusCode::UNAVAILABLE, "write failed");
    }
    catch_up = Pump();
  }
  if (catch_up) PostCatchUp(/*snapshot_first=*/false);
}

void SubscribeReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  EndWith(grpc::StatusCode::CANCELLED, "cancelled");
  Pump();
}

void SubscribeReactor::OnDone() {
  if (registered_) hub_.Unregister(this);
  // A thread that called Finish may still be leaving a method holding the lock (rule 5).
  { absl::MutexLock lock(&mu_); }
  delete this;
}

}  // namespace liveevents::service
