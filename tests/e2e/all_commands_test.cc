// Every golden fixture (all 18 Live commands and their documented variants) POSTed through the
// real gateway into the real server: each is answered OK, journaled once with its typed payload,
// and the rooms they name are queryable.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "tests/testing/e2e_fixture.h"

namespace liveevents::testing {
namespace {

struct Fixture {
  std::string command;  // "Family.Name", the first two dot-separated parts of the file name.
  std::string body;
};

std::vector<Fixture> LoadFixtures() {
  std::vector<Fixture> fixtures;
  const std::filesystem::path dir =
      std::filesystem::path(LIVEEVENTS_SOURCE_DIR) / "tests/gateway/tencent/fixtures";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    const std::string name = entry.path().filename().string();
    const size_t second_dot = name.find('.', name.find('.') + 1);
    std::ifstream file(entry.path());
    std::stringstream body;
    body << file.rdbuf();
    fixtures.push_back({name.substr(0, second_dot), body.str()});
  }
  std::sort(fixtures.begin(), fixtures.end(),
            [](const Fixture& a, const Fixture& b) { return a.body < b.body; });
  return fixtures;
}

using AllCommandsTest = E2eFixture;

TEST_F(AllCommandsTest, EveryFixtureIsAcceptedJournaledOnceAndTyped) {
  const std::vector<Fixture> fixtures = LoadFixtures();
  ASSERT_GE(fixtures.size(), 18u);
  for (const Fixture& fixture : fixtures) {
    HttpReply reply = Post(fixture.command, fixture.body);
    EXPECT_EQ(reply.status, 200) << fixture.command << ": " << reply.body;
    EXPECT_TRUE(absl::StrContains(reply.body, R"("ActionStatus":"OK")")) << reply.body;
  }

  v1::ListEventsRequest request;
  request.set_limit(1000);
  v1::ListEventsResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListEvents(&context, request, &response).ok());
  ASSERT_EQ(response.events_size(), static_cast<int>(fixtures.size()));
  for (const v1::Event& event : response.events()) {
    const bool live_family = !absl::StartsWith(event.command(), "Room.");
    EXPECT_EQ(event.has_unknown(), !live_family) << event.command();
    EXPECT_NE(event.payload_case(), v1::Event::PAYLOAD_NOT_SET) << event.command();
    const auto fixture = std::find_if(fixtures.begin(), fixtures.end(),
                                      [&](const Fixture& f) { return f.body == event.raw_body(); });
    ASSERT_NE(fixture, fixtures.end()) << "raw body kept byte for byte";
    EXPECT_EQ(fixture->command, event.command());
  }

  v1::ListRoomsRequest rooms_request;
  v1::ListRoomsResponse rooms;
  grpc::ClientContext rooms_context;
  ASSERT_TRUE(stub_->ListRooms(&rooms_context, rooms_request, &rooms).ok());
  EXPECT_GT(rooms.rooms_size(), 0);
  v1::ListBattlesRequest battles_request;
  v1::ListBattlesResponse battles;
  grpc::ClientContext battles_context;
  ASSERT_TRUE(stub_->ListBattles(&battles_context, battles_request, &battles).ok());
  EXPECT_GT(battles.battles_size(), 0);
}

}  // namespace
}  // namespace liveevents::testing
