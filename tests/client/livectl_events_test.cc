// `livectl events` against a real LiveEvents server over loopback TCP: a large --limit over
// large events follows the server's byte-budgeted pages instead of failing on gRPC's 4 MiB
// message limit.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/livectl_commands.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::testing {
namespace {

class LivectlEventsTest : public ServiceFixture {
 protected:
  // `count` events of about `bytes` each, at revisions 1..count.
  void PublishEvents(int count, size_t bytes) {
    for (int i = 0; i < count; ++i) {
      v1::Event event = MakeCreateRoom(absl::StrCat("room-", i));
      event.set_raw_body(event.raw_body() + std::string(bytes, ' '));
      ASSERT_EQ(Publish(event).revision(), static_cast<uint64_t>(i + 1));
    }
  }

  int Events(uint64_t after, int32_t limit) {
    client::CommandContext context;
    context.channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                          grpc::InsecureChannelCredentials());
    context.timeout = absl::Seconds(30);
    context.out = &out_;
    context.err = &err_;
    return client::ListEvents(context, after, limit);
  }

  std::vector<std::string> Lines() const {
    return absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  }

  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(LivectlEventsTest, ALimitOfAThousandLargeEventsPrintsThemAll) {
  PublishEvents(1000, 4 * 1024);  // About 8 MiB as JSON-less protobuf.
  ASSERT_EQ(Events(0, 1000), client::kExitOk) << err_.str();
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1000u);
  EXPECT_NE(lines.front().find("\"revision\":\"1\""), std::string::npos);
  EXPECT_NE(lines.back().find("\"revision\":\"1000\""), std::string::npos);
}

TEST_F(LivectlEventsTest, StopsAtTheHeadAndAtTheLimit) {
  PublishEvents(30, 16);
  ASSERT_EQ(Events(10, 5000), client::kExitOk) << err_.str();
  EXPECT_EQ(Lines().size(), 20u);
  out_.str("");
  ASSERT_EQ(Events(0, 7), client::kExitOk) << err_.str();
  EXPECT_EQ(Lines().size(), 7u);
}

TEST_F(LivectlEventsTest, ANegativeLimitIsAUsageError) {
  EXPECT_EQ(Events(0, -1), client::kExitUsage);
  EXPECT_NE(err_.str().find("--limit"), std::string::npos);
}

}  // namespace
}  // namespace liveevents::testing
