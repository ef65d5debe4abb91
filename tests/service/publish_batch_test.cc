// PublishBatch over a real in-process server: results in request order, duplicates inside and
// across batches, all-or-nothing validation naming the bad event, the size limits, and an empty
// batch. Authorization is in publish_auth_test.cc.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::testing {
namespace {

class PublishBatchTest : public ServiceFixture {
 protected:
  grpc::Status PublishBatch(const std::vector<v1::Event>& events,
                            v1::PublishBatchResponse* response) {
    v1::PublishBatchRequest request;
    for (const v1::Event& event : events) *request.add_events() = event;
    grpc::ClientContext context;
    return stub_->PublishBatch(&context, request, response);
  }

  // (revision, duplicate) of every result, for compact expectations.
  static std::vector<std::pair<uint64_t, bool>> Results(const v1::PublishBatchResponse& response) {
    std::vector<std::pair<uint64_t, bool>> results;
    for (const v1::PublishResponse& result : response.results()) {
      results.emplace_back(result.revision(), result.duplicate());
    }
    return results;
  }

  std::vector<v1::Event> Journaled() {
    v1::ListEventsRequest request;
    request.set_limit(1000);
    v1::ListEventsResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->ListEvents(&context, request, &response).ok());
    return {response.events().begin(), response.events().end()};
  }
};

TEST_F(PublishBatchTest, AnswersEachEventInRequestOrderWithDenseRevisions) {
  v1::Event without_times = MakeCreateRoom("r3");
  without_times.clear_event_time_ms();
  v1::PublishBatchResponse response;
  ASSERT_TRUE(
      PublishBatch({MakeCreateRoom("r1"), MakeCreateRoom("r2"), without_times}, &response).ok());
  EXPECT_EQ(Results(response),
            (std::vector<std::pair<uint64_t, bool>>{{1, false}, {2, false}, {3, false}}));

  const std::vector<v1::Event> journaled = Journaled();
  ASSERT_EQ(journaled.size(), 3u);
  EXPECT_EQ(journaled[0].create_room().room_info().room_id(), "r1");
  EXPECT_EQ(journaled[2].create_room().room_info().room_id(), "r3");
  // The times Publish fills in are filled in for a batch too.
  EXPECT_GT(journaled[2].received_time_ms(), 0);
  EXPECT_EQ(journaled[2].event_time_ms(), journaled[2].received_time_ms());
  EXPECT_EQ(journaled[0].dedup_key().size(), 64u);
}

TEST_F(PublishBatchTest, DuplicatesInsideAndAcrossBatchesAnswerTheOriginalRevision) {
  EXPECT_EQ(Publish(MakeCreateRoom("r0")).revision(), 1u);
  v1::PublishBatchResponse first;
  ASSERT_TRUE(PublishBatch({MakeCreateRoom("r1"), MakeCreateRoom("r0"), MakeCreateRoom("r1"),
                            MakeCreateRoom("r2")},
                           &first)
                  .ok());
  EXPECT_EQ(Results(first),
            (std::vector<std::pair<uint64_t, bool>>{{2, false}, {1, true}, {2, true}, {3, false}}));
  v1::PublishBatchResponse second;
  ASSERT_TRUE(PublishBatch({MakeCreateRoom("r2"), MakeCreateRoom("r3")}, &second).ok());
  EXPECT_EQ(Results(second), (std::vector<std::pair<uint64_t, bool>>{{3, true}, {4, false}}));
  EXPECT_EQ(Journaled().size(), 4u);
}

TEST_F(PublishBatchTest, OneBadEventRefusesTheWholeBatchNamingItsIndex) {
  v1::Event no_command = MakeCreateRoom("r2");
  no_command.clear_command();
  v1::Event overdue = MakeCreateRoom("r3");
  overdue.set_command("LiveEvents.BattleOverdue");
  struct Case {
    std::vector<v1::Event> events;
    std::string index;
  };
  const std::vector<Case> cases = {
      {{MakeCreateRoom("r1"), no_command, MakeCreateRoom("r4")}, "events[1]"},
      {{MakeCreateRoom("r1"), MakeCreateRoom("r4"), overdue}, "events[2]"},
      {{no_command}, "events[0]"},
  };
  for (const Case& c : cases) {
    v1::PublishBatchResponse response;
    const grpc::Status status = PublishBatch(c.events, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.index;
    EXPECT_TRUE(absl::StartsWith(status.error_message(), c.index)) << status.error_message();
  }
  EXPECT_TRUE(Journaled().empty()) << "nothing of a refused batch is journaled";
}

TEST_F(PublishBatchTest, EmptyBatchAnswersNoResults) {
  v1::PublishBatchResponse response;
  ASSERT_TRUE(PublishBatch({}, &response).ok());
  EXPECT_EQ(response.results_size(), 0);
}

TEST_F(PublishBatchTest, TakesUpToAThousandEventsAndRefusesMore) {
  std::vector<v1::Event> events;
  for (int i = 0; i < 1001; ++i) events.push_back(MakeCreateRoom(absl::StrCat("room-", i)));
  v1::PublishBatchResponse refused;
  const grpc::Status status = PublishBatch(events, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "at most 1000")) << status.error_message();
  EXPECT_TRUE(Journaled().empty());

  events.pop_back();
  v1::PublishBatchResponse response;
  ASSERT_TRUE(PublishBatch(events, &response).ok());
  ASSERT_EQ(response.results_size(), 1000);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(response.results(i).revision(), i + 1u);
}

TEST_F(PublishBatchTest, ARequestBeyondTheMessageSizeLimitIsRefused) {
  std::vector<v1::Event> events;
  for (int i = 0; i < 5; ++i) {
    v1::Event event = MakeCreateRoom(absl::StrCat("room-", i));
    event.set_raw_body(std::string(1 << 20, static_cast<char>('a' + i)));
    events.push_back(std::move(event));
  }
  v1::PublishBatchResponse response;
  EXPECT_EQ(PublishBatch(events, &response).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Journaled().empty());
}

}  // namespace
}  // namespace liveevents::testing
