// RedisConnection: address parsing and error mapping directly, connecting, AUTH, timeouts and
// reconnecting against a real redis-server.
#include "service/store/redis/redis_connection.h"

#include <hiredis/hiredis.h>

#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_path.h"

namespace liveevents::service::redis {
namespace {

using ::liveevents::testing::RedisServer;

TEST(ParseRedisAddressTest, AcceptsHostPort) {
  struct Case {
    std::string text;
    std::string host;
    int port;
  };
  for (const Case& c :
       {Case{"127.0.0.1:6379", "127.0.0.1", 6379},
        Case{"redis.internal:7000", "redis.internal", 7000}, Case{"[::1]:6380", "::1", 6380}}) {
    absl::StatusOr<RedisAddress> address = ParseRedisAddress(c.text);
    ASSERT_TRUE(address.ok()) << c.text << ": " << address.status();
    EXPECT_EQ(address->host, c.host) << c.text;
    EXPECT_EQ(address->port, c.port) << c.text;
  }
}

TEST(ParseRedisAddressTest, RejectsWhatIsNotHostPort) {
  for (const char* text :
       {"", "localhost", ":6379", "host:", "host:0", "host:65536", "host:x", "[]:6379"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseRedisAddress(text).status())) << text;
  }
}

TEST(StatusFromRedisErrorTest, MapsErrorCodesToCanonicalCodes) {
  struct Case {
    const char* error;
    absl::StatusCode code;
  };
  for (const Case& c : {
           Case{"NOAUTH Authentication required.", absl::StatusCode::kUnauthenticated},
           Case{"WRONGPASS invalid username-password pair", absl::StatusCode::kUnauthenticated},
           Case{"NOPERM this user has no permissions", absl::StatusCode::kPermissionDenied},
           Case{"LOADING Redis is loading the dataset in memory", absl::StatusCode::kUnavailable},
           Case{"BUSY Redis is busy running a script", absl::StatusCode::kUnavailable},
           Case{"READONLY You can't write against a read only replica.",
                absl::StatusCode::kUnavailable},
           Case{"MASTERDOWN Link with MASTER is down", absl::StatusCode::kUnavailable},
           Case{"TRYAGAIN Multiple keys request during rehashing", absl::StatusCode::kUnavailable},
           Case{"CLUSTERDOWN The cluster is down", absl::StatusCode::kUnavailable},
           Case{"MOVED 3999 127.0.0.1:6381", absl::StatusCode::kUnavailable},
           Case{"OOM command not allowed when used memory > 'maxmemory'.",
                absl::StatusCode::kResourceExhausted},
           Case{"NOSCRIPT No matching script.", absl::StatusCode::kNotFound},
           Case{"DATALOSS the head counter is missing", absl::StatusCode::kDataLoss},
           Case{"ERR unknown command 'FOO'", absl::StatusCode::kInternal},
           Case{"WRONGTYPE Operation against a key holding the wrong kind of value",
                absl::StatusCode::kInternal},
       }) {
    absl::Status status = StatusFromRedisError(c.error);
    EXPECT_EQ(status.code(), c.code) << c.error;
    EXPECT_NE(status.message().find(c.error), absl::string_view::npos) << status;
  }
}

class RedisConnectionTest : public ::testing::Test {
 protected:
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartServer(std::vector<std::string> extra_args = {}) {
    absl::StatusOr<std::unique_ptr<RedisServer>> server =
        RedisServer::Start(dir_, std::move(extra_args));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  RedisConnectionOptions Options() const {
    RedisConnectionOptions options;
    options.address = server_->address();
    return options;
  }

  const std::string dir_ = liveevents::testing::UniqueTempPath("redis");
  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisConnectionTest, RunsBinarySafeCommands) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RedisConnection connection(Options());
  EXPECT_FALSE(connection.connected());
  const std::string value("a\0b\xff", 4);
  ASSERT_TRUE(connection.Command({"SET", "key", value}).ok());
  EXPECT_TRUE(connection.connected());
  absl::StatusOr<RedisReplyPtr> reply = connection.Command({"GET", "key"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(ReplyText(**reply), value);
}

TEST_F(RedisConnectionTest, ErrorRepliesBecomeStatusesAndKeepTheConnection) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RedisConnection connection(Options());
  ASSERT_TRUE(connection.Command({"SET", "key", "text"}).ok());
  absl::StatusOr<RedisReplyPtr> reply = connection.Command({"INCR", "key"});
  EXPECT_TRUE(absl::IsInternal(reply.status())) << reply.status();
  EXPECT_TRUE(connection.connected());
}

TEST_F(RedisConnectionTest, AuthenticatesWithThePassword) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--requirepass", "s3cret"}));
  RedisConnectionOptions options = Options();
  RedisConnection anonymous(options);
  EXPECT_TRUE(absl::IsUnauthenticated(anonymous.Command({"GET", "key"}).status()));

  options.password = "wrong";
  RedisConnection wrong(options);
  EXPECT_TRUE(absl::IsUnauthenticated(wrong.Command({"GET", "key"}).status()));
  EXPECT_FALSE(wrong.connected());

  options.password = "s3cret";
  RedisConnection right(options);
  absl::StatusOr<RedisReplyPtr> reply = right.Command({"PING"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(ReplyText(**reply), "PONG");
}

TEST_F(RedisConnectionTest, ConnectionRefusedIsUnavailableAndRecoversWhenRedisIsBack) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RedisConnection connected(Options());
  ASSERT_TRUE(connected.Command({"SET", "key", "1"}).ok());
  server_->Kill();

  // The open connection breaks, a new one is refused: both UNAVAILABLE, both dropped.
  absl::Status broken = connected.Command({"GET", "key"}).status();
  EXPECT_TRUE(absl::IsUnavailable(broken)) << broken;
  EXPECT_FALSE(connected.connected());
  RedisConnection refused(Options());
  absl::Status refusal = refused.Command({"GET", "key"}).status();
  EXPECT_TRUE(absl::IsUnavailable(refusal)) << refusal;
  EXPECT_NE(refusal.message().find(absl::StrCat(server_->port())), absl::string_view::npos)
      << refusal;

  ASSERT_TRUE(server_->Restart().ok());
  for (RedisConnection* connection : {&connected, &refused}) {
    absl::StatusOr<RedisReplyPtr> reply = connection->Command({"GET", "key"});
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(ReplyText(**reply), "1");  // AOF kept it.
  }
}

TEST_F(RedisConnectionTest, BlockingCommandsMayOutlastTheCommandTimeout) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RedisConnectionOptions options = Options();
  // Redis notices an expired block up to a server tick (100 ms) late: leave it ample margin.
  options.command_timeout = absl::Milliseconds(500);
  RedisConnection connection(options);
  absl::StatusOr<RedisReplyPtr> reply =
      connection.BlockingCommand({"BLPOP", "empty-list", "1"}, absl::Seconds(1));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ((*reply)->type, REDIS_REPLY_NIL);
  // The command timeout applies again afterwards: a longer block than it breaks the connection.
  absl::Status timed_out = connection.Command({"BLPOP", "empty-list", "2"}).status();
  EXPECT_TRUE(absl::IsUnavailable(timed_out)) << timed_out;
  EXPECT_TRUE(connection.Command({"PING"}).ok());
}

}  // namespace
}  // namespace liveevents::service::redis
