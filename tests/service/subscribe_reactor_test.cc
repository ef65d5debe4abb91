// Subscribe's guarantees in-process: ordered, unique and gap-free fan-out to many subscribers,
// filters, heartbeats, resume, snapshots, slow consumers, cancellation and draining; on the
// memory store and on Redis.
#include "service/subscribe_reactor.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/store_param_fixture.h"

namespace liveevents::testing {
namespace {

using SubscribeTest = StoreParamFixture;

v1::SubscribeRequest AfterRevision(uint64_t revision) {
  v1::SubscribeRequest request;
  request.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
  request.set_after_revision(revision);
  return request;
}

TEST_P(SubscribeTest, ManySubscribersSeeConcurrentPublishesInRevisionOrder) {
  constexpr int kSubscribers = 5;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < kSubscribers; ++i) {
    streams.push_back(std::make_unique<Stream>(*stub_, v1::SubscribeRequest()));
  }
  std::vector<std::thread> publishers;
  for (int t = 0; t < kThreads; ++t) {
    publishers.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Publish(MakeCreateRoom(absl::StrCat("t", t) + absl::StrCat("-", i)));
      }
    });
  }
  for (std::thread& publisher : publishers) publisher.join();

  for (auto& stream : streams) {
    std::vector<v1::Event> events = stream->NextEvents(kThreads * kPerThread);
    ASSERT_EQ(events.size(), static_cast<size_t>(kThreads * kPerThread));
    for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].revision(), i + 1);
  }
}

TEST_P(SubscribeTest, RoomFilterAlsoMatchesBattlesInvolvingTheRoom) {
  v1::SubscribeRequest request;
  request.mutable_filter()->add_room_ids("r2");
  Stream stream(*stub_, request);
  Publish(MakeCreateRoom("r1"));
  Publish(MakeCreateRoom("r2"));
  Publish(MakeStartBattle("b1", "r1", "r2"));
  Publish(MakeStartBattle("b2", "r1", "r3"));
  Publish(MakeCreateRoom("r3"));
  Publish(MakeCreateRoom("r2", 5000));  // A different body: a new event for r2.

  std::vector<v1::Event> events = stream.NextEvents(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].revision(), 2u);
  EXPECT_EQ(events[1].start_battle().battle_id(), "b1");
  EXPECT_EQ(events[2].revision(), 6u);
}

TEST_P(SubscribeTest, InvalidFilterIsRejected) {
  v1::SubscribeRequest request;
  request.mutable_filter()->add_commands("");
  grpc::ClientContext context;
  auto reader = stub_->Subscribe(&context, request);
  v1::SubscribeResponse response;
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(SubscribeTest, FilteredStreamGetsProgressBookmarks) {
  server_.reset();
  service::ServerOptions options;
  options.progress_interval = absl::Milliseconds(20);
  StartServer(options);

  v1::SubscribeRequest request;
  request.mutable_filter()->add_commands("Live.CallbackAfterEndBattle");
  Stream stream(*stub_, request);
  v1::SubscribeResponse first;
  ASSERT_TRUE(stream.Next(&first));
  ASSERT_TRUE(first.has_progress()) << "a progress right after registration";
  EXPECT_EQ(first.progress().revision(), 0u);

  for (int i = 0; i < 3; ++i) Publish(MakeCreateRoom(absl::StrCat("r", i)));
  v1::SubscribeResponse response;
  uint64_t last = 0;
  for (int reads = 0; last < 3 && reads < 10000 && stream.Next(&response); ++reads) {
    ASSERT_FALSE(response.has_event()) << "nothing matches the filter";
    ASSERT_GE(response.progress().revision(), last) << "bookmarks never go back";
    last = response.progress().revision();
  }
  EXPECT_EQ(last, 3u);
}

TEST_P(SubscribeTest, ResumeAfterRevisionReadsTheJournalThenGoesLive) {
  for (int i = 1; i <= 10; ++i) Publish(MakeCreateRoom(absl::StrCat("r", i)));
  Stream stream(*stub_, AfterRevision(4));
  std::vector<v1::Event> old_events = stream.NextEvents(6);
  ASSERT_EQ(old_events.size(), 6u);
  for (size_t i = 0; i < old_events.size(); ++i) EXPECT_EQ(old_events[i].revision(), 5 + i);

  Publish(MakeCreateRoom("r11"));
  std::vector<v1::Event> live = stream.NextEvents(1);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].revision(), 11u);
}

TEST_P(SubscribeTest, MaxBatchSendsConsecutiveEventsInOneMessageInOrder) {
  for (int i = 1; i <= 300; ++i) Publish(MakeCreateRoom(absl::StrCat("r", i)));
  v1::SubscribeRequest request = AfterRevision(0);
  request.set_max_batch(100);
  Stream stream(*stub_, request);
  std::vector<uint64_t> revisions;
  int largest = 0;
  v1::SubscribeResponse response;
  while (revisions.size() < 301 && stream.Next(&response)) {
    if (response.has_event()) {
      revisions.push_back(response.event().revision());
      largest = std::max(largest, 1);
    } else if (response.has_events()) {
      for (const v1::Event& event : response.events().events()) {
        revisions.push_back(event.revision());
      }
      largest = std::max(largest, response.events().events_size());
    }
    if (revisions.size() == 300) Publish(MakeCreateRoom("live"));  // Then one more, live.
  }
  ASSERT_EQ(revisions.size(), 301u);
  for (size_t i = 0; i < revisions.size(); ++i) EXPECT_EQ(revisions[i], i + 1);
  EXPECT_GT(largest, 1) << "catching up, events came several per message";
  EXPECT_LE(largest, 100);
}

TEST_P(SubscribeTest, WithoutMaxBatchEveryEventComesAlone) {
  for (int i = 1; i <= 50; ++i) Publish(MakeCreateRoom(absl::StrCat("r", i)));
  Stream stream(*stub_, AfterRevision(0));
  v1::SubscribeResponse response;
  uint64_t last = 0;
  while (last < 50 && stream.Next(&response)) {
    ASSERT_FALSE(response.has_events());
    if (response.has_event()) last = response.event().revision();
  }
  EXPECT_EQ(last, 50u);
}

TEST_P(SubscribeTest, ResumeBeyondTheHeadIsOutOfRange) {
  Publish(MakeCreateRoom("r1"));
  grpc::ClientContext context;
  auto reader = stub_->Subscribe(&context, AfterRevision(5));
  v1::SubscribeResponse response;
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST_P(SubscribeTest, MinRevisionStartsTheStreamOnceItIsApplied) {
  Publish(MakeCreateRoom("r1"));
  // Beyond the head, which alone is OUT_OF_RANGE: with min_revision it waits for revision 2.
  v1::SubscribeRequest request = AfterRevision(2);
  request.set_min_revision(2);
  std::vector<v1::Event> events;
  std::thread reading([&] {
    Stream stream(*stub_, request);
    events = stream.NextEvents(1);
  });
  Publish(MakeCreateRoom("r2"));
  Publish(MakeCreateRoom("r3"));
  reading.join();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].revision(), 3u);
}

TEST_P(SubscribeTest, MinRevisionNotAppliedWithinTheDeadlineIsDeadlineExceeded) {
  v1::SubscribeRequest request = AfterRevision(0);
  request.set_min_revision(5);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  auto reader = stub_->Subscribe(&context, request);
  v1::SubscribeResponse response;
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_P(SubscribeTest, SnapshotSendsStateThenEndThenLaterEvents) {
  Publish(MakeCreateRoom("r1"));
  Publish(MakeStartBattle("b1", "r1", "r2"));
  v1::SubscribeRequest request;
  request.set_start(v1::SubscribeRequest::START_SNAPSHOT);
  Stream stream(*stub_, request);

  v1::SubscribeResponse response;
  int rooms = 0;
  int battles = 0;
  while (stream.Next(&response) && response.has_snapshot()) {
    rooms += response.snapshot().rooms_size();
    battles += response.snapshot().battles_size();
  }
  EXPECT_EQ(rooms, 1);  // r2 is not a room until a room fact names it.
  EXPECT_EQ(battles, 1);
  ASSERT_TRUE(response.has_snapshot_end());
  EXPECT_EQ(response.snapshot_end().revision(), 2u);

  Publish(MakeCreateRoom("r3"));
  std::vector<v1::Event> events = stream.NextEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].revision(), 3u);
}

TEST_P(SubscribeTest, SnapshotHonoursTheAppFilterForRoomsAndBattles) {
  constexpr uint64_t kOtherApp = 1400000002;
  Publish(MakeCreateRoom("r1"));
  Publish(InApp(kOtherApp, MakeCreateRoom("r1")));
  Publish(MakeStartBattle("b1", "r1", "r2"));
  Publish(InApp(kOtherApp, MakeStartBattle("b1", "r1", "r2")));
  v1::SubscribeRequest request;
  request.set_start(v1::SubscribeRequest::START_SNAPSHOT);
  request.mutable_filter()->add_sdk_app_ids(kOtherApp);
  request.mutable_filter()->add_room_ids("r1");
  Stream stream(*stub_, request);

  v1::SubscribeResponse response;
  std::vector<v1::Room> rooms;
  std::vector<v1::Battle> battles;
  while (stream.Next(&response) && response.has_snapshot()) {
    rooms.insert(rooms.end(), response.snapshot().rooms().begin(),
                 response.snapshot().rooms().end());
    battles.insert(battles.end(), response.snapshot().battles().begin(),
                   response.snapshot().battles().end());
  }
  ASSERT_TRUE(response.has_snapshot_end());
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].sdk_app_id(), kOtherApp);
  ASSERT_EQ(battles.size(), 1u);
  EXPECT_EQ(battles[0].sdk_app_id(), kOtherApp);
}

TEST_P(SubscribeTest, SlowConsumerIsEndedWithItsResumeRevisionAndLosesNothing) {
  server_.reset();
  service::ServerOptions options;
  options.subscribe.max_queue = 4;
  StartServer(options);

  constexpr int kEvents = 200;
  auto tcp = TcpStub(/*small_window=*/true);
  Stream slow(*tcp, v1::SubscribeRequest());
  // Large bodies fill the flow-control window, so writes stall while the client reads nothing.
  const std::string padding(16 * 1024, 'x');
  for (int i = 1; i <= kEvents; ++i) {
    v1::Event event = MakeCreateRoom(absl::StrCat("r", i));
    event.set_raw_body(event.raw_body() + padding);
    Publish(event);
  }
  std::vector<v1::Event> received = slow.NextEvents(kEvents);
  grpc::Status status = slow.Finish();
  ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "SLOW_CONSUMER"));
  ASSERT_LT(received.size(), static_cast<size_t>(kEvents));
  const auto& trailers = slow.context().GetServerTrailingMetadata();
  auto resume = trailers.find("liveevents-resume-revision");
  ASSERT_NE(resume, trailers.end());
  const uint64_t resume_revision =
      std::stoull(std::string(resume->second.data(), resume->second.size()));
  EXPECT_EQ(resume_revision, received.empty() ? 0 : received.back().revision());

  Stream resumed(*stub_, AfterRevision(resume_revision));
  std::vector<v1::Event> rest = resumed.NextEvents(kEvents - resume_revision);
  ASSERT_EQ(rest.size(), kEvents - resume_revision);
  for (size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i].revision(), resume_revision + 1 + i);
}

TEST_P(SubscribeTest, CancelledSubscriptionIsUnregistered) {
  auto stream = std::make_unique<Stream>(*stub_, v1::SubscribeRequest());
  stream->Cancel();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  stream.reset();
  // The server unregisters in OnDone, which may run just after the client sees the status.
  int64_t subscribers = -1;
  for (int i = 0; i < 2000 && subscribers != 0; ++i) {
    v1::ServerInfo info;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetServerInfo(&context, v1::GetServerInfoRequest(), &info).ok());
    subscribers = info.subscribers();
    if (subscribers != 0) std::this_thread::yield();
  }
  EXPECT_EQ(subscribers, 0);
}

TEST_P(SubscribeTest, ShutdownEndsStreamsWithUnavailableAndResumeRevision) {
  Publish(MakeCreateRoom("r1"));
  auto tcp = TcpStub();
  Stream stream(*tcp, v1::SubscribeRequest());
  server_->Shutdown(absl::Seconds(5));
  v1::SubscribeResponse response;
  while (stream.Next(&response)) {
  }
  grpc::Status status = stream.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "after_revision=1"))
      << status.error_message();
}

INSTANTIATE_TEST_SUITE_P(Stores, SubscribeTest, ::testing::Values("memory", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace liveevents::testing
