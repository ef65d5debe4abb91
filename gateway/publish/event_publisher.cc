#include "gateway/publish/event_publisher.h"

#include <memory>
#include <utility>

namespace liveevents::gateway {
namespace {

// The default PublishBatch: one Publish at a time, in order.
struct Sequence {
  EventPublisher* publisher;
  std::vector<liveevents::v1::Event> events;
  std::vector<liveevents::v1::PublishResponse> answers;
  EventPublisher::BatchCallback done;
};

void PublishNext(std::unique_ptr<Sequence> sequence) {
  const size_t next = sequence->answers.size();
  if (next == sequence->events.size()) {
    std::move(sequence->done)(std::move(sequence->answers));
    return;
  }
  EventPublisher* publisher = sequence->publisher;
  liveevents::v1::Event event = std::move(sequence->events[next]);
  publisher->Publish(std::move(event),
                     [sequence = std::move(sequence)](
                         absl::StatusOr<liveevents::v1::PublishResponse> answer) mutable {
                       if (!answer.ok()) {
                         std::move(sequence->done)(answer.status());
                         return;
                       }
                       sequence->answers.push_back(*std::move(answer));
                       PublishNext(std::move(sequence));
                     });
}

}  // namespace

void EventPublisher::PublishBatch(std::vector<liveevents::v1::Event> events, BatchCallback done) {
  PublishNext(std::make_unique<Sequence>(Sequence{this, std::move(events), {}, std::move(done)}));
}

}  // namespace liveevents::gateway
