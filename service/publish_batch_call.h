// PublishBatch's wait for the journal: hands a checked batch to the journal in one go, puts each
// event's answer in its place in the response, and finishes the call once all are answered.
#ifndef LIVEEVENTS_SERVICE_PUBLISH_BATCH_CALL_H_
#define LIVEEVENTS_SERVICE_PUBLISH_BATCH_CALL_H_

#include <grpcpp/support/server_callback.h>

#include <vector>

#include "liveevents/v1/live_events.pb.h"
#include "service/event_journal.h"

namespace liveevents::service {

// Journals `events` (already checked with CheckPublishable) in order and finishes `reactor`:
// OK with response->results()[i] answering events[i], or the first error the journal reported
// (events answered OK before it stay journaled). An empty batch finishes at once. `response`
// must stay valid until the reactor is finished (gRPC guarantees it). Thread-safe.
void JournalBatch(EventJournal& journal, std::vector<v1::Event> events,
                  grpc::ServerUnaryReactor* reactor, v1::PublishBatchResponse* response);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_PUBLISH_BATCH_CALL_H_
