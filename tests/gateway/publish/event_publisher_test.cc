// EventPublisher's default PublishBatch: one Publish at a time, in order, stopping at the first
// error.
#include "gateway/publish/event_publisher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace liveevents::gateway {
namespace {

// Answers at once, with the next revision, or UNAVAILABLE for the body "down".
class CountingPublisher : public EventPublisher {
 public:
  void Publish(liveevents::v1::Event event, PublishCallback done) override {
    bodies.push_back(event.raw_body());
    if (event.raw_body() == "down") {
      std::move(done)(absl::UnavailableError("down"));
      return;
    }
    liveevents::v1::PublishResponse response;
    response.set_revision(bodies.size());
    std::move(done)(response);
  }

  std::vector<std::string> bodies;
};

std::vector<liveevents::v1::Event> Events(const std::vector<std::string>& bodies) {
  std::vector<liveevents::v1::Event> events;
  for (const std::string& body : bodies) {
    events.emplace_back();
    events.back().set_raw_body(body);
  }
  return events;
}

TEST(EventPublisherTest, DefaultPublishBatchPublishesInOrderAndAnswersEach) {
  CountingPublisher publisher;
  absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> result;
  publisher.PublishBatch(Events({"a", "b", "c"}), [&](auto answer) { result = std::move(answer); });
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ((*result)[2].revision(), 3u);
  EXPECT_EQ(publisher.bodies, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(EventPublisherTest, DefaultPublishBatchStopsAtTheFirstError) {
  CountingPublisher publisher;
  absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> result;
  publisher.PublishBatch(Events({"a", "down", "c"}),
                         [&](auto answer) { result = std::move(answer); });
  EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
  EXPECT_EQ(publisher.bodies, (std::vector<std::string>{"a", "down"}));
}

TEST(EventPublisherTest, DefaultPublishBatchOfNothingAnswersNothing) {
  CountingPublisher publisher;
  absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> result = absl::UnknownError("");
  publisher.PublishBatch({}, [&](auto answer) { result = std::move(answer); });
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->empty());
}

}  // namespace
}  // namespace liveevents::gateway
