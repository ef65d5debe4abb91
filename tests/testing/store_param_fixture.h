// ServiceFixture run on each store: "memory" (the local Journal) and "redis" (the RedisJournal on
// a real redis-server the fixture starts), so that one test proves a behaviour on both. Use with
// TEST_P and INSTANTIATE_TEST_SUITE_P(Stores, Suite, ::testing::Values("memory", "redis")); link
// liveevents_testing_redis.
#ifndef LIVEEVENTS_TESTS_TESTING_STORE_PARAM_FIXTURE_H_
#define LIVEEVENTS_TESTS_TESTING_STORE_PARAM_FIXTURE_H_

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/temp_path.h"

namespace liveevents::testing {

class StoreParamFixture : public ServiceFixture, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "redis") {
      std::filesystem::remove_all(dir_);
      auto redis = RedisServer::Start(dir_);
      ASSERT_TRUE(redis.ok()) << redis.status();
      redis_ = std::move(*redis);
    }
    ServiceFixture::SetUp();
  }

  void TearDown() override {
    server_.reset();  // Before the Redis it follows.
    redis_.reset();
    std::filesystem::remove_all(dir_);
  }

  absl::StatusOr<std::unique_ptr<service::Server>> MakeServer(
      service::ServerOptions options) override {
    if (GetParam() != "redis") return ServiceFixture::MakeServer(std::move(options));
    service::RedisJournalOptions redis;
    redis.log.connection.address = redis_->address();
    // Each server of a test starts on an empty journal, as with a new memory store.
    redis.log.key_prefix = absl::StrCat("test", ++servers_);
    redis.follow_block = absl::Milliseconds(50);
    redis.retry_pause = absl::Milliseconds(20);
    options.redis = redis;
    return service::Server::Start(options, nullptr);
  }

  const std::string dir_ = UniqueTempPath("redis");
  std::unique_ptr<RedisServer> redis_;
  int servers_ = 0;
};

}  // namespace liveevents::testing

#endif  // LIVEEVENTS_TESTS_TESTING_STORE_PARAM_FIXTURE_H_
