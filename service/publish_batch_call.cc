#include "service/publish_batch_call.h"

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"

namespace liveevents::service {
namespace {

// Shared by the callbacks of one batch's events; the last callback the journal destroys frees
// it, so no callback can still be inside `mu` when it goes.
class BatchAnswers {
 public:
  BatchAnswers(grpc::ServerUnaryReactor* reactor, v1::PublishBatchResponse* response, size_t count)
      : reactor_(reactor), response_(response), left_(count) {
    // Sized up front: callbacks on different threads then only write their own element.
    for (size_t i = 0; i < count; ++i) response_->add_results();
  }

  void OnAnswer(size_t index, absl::StatusOr<PublishResult> result) {
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (result.ok()) {
        v1::PublishResponse* answer = response_->mutable_results(static_cast<int>(index));
        answer->set_revision(result->revision);
        answer->set_duplicate(result->duplicate);
        answer->set_stale(result->stale);
      } else if (first_error_.ok()) {
        first_error_ = result.status();
      }
      if (--left_ > 0) return;
      status = first_error_;
    }
    // Exactly one Finish: only the last answer gets here.
    reactor_->Finish(ToGrpcStatus(status));
  }

 private:
  grpc::ServerUnaryReactor* const reactor_;
  v1::PublishBatchResponse* const response_;
  absl::Mutex mu_;
  size_t left_ ABSL_GUARDED_BY(mu_);
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

void JournalBatch(EventJournal& journal, std::vector<v1::Event> events,
                  grpc::ServerUnaryReactor* reactor, v1::PublishBatchResponse* response) {
  if (events.empty()) {
    reactor->Finish(grpc::Status::OK);
    return;
  }
  auto answers = std::make_shared<BatchAnswers>(reactor, response, events.size());
  journal.PublishEach(std::move(events), [&answers](size_t index) -> EventJournal::PublishDone {
    return [answers, index](absl::StatusOr<PublishResult> result) {
      answers->OnAnswer(index, std::move(result));
    };
  });
}

}  // namespace liveevents::service
