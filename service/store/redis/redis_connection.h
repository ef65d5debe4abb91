// One blocking connection to a Redis server through hiredis: connects lazily with a timeout,
// authenticates, turns every failure into an absl::Status, and reconnects on the next call after
// the connection broke. The Redis store builds on it; nothing here knows about events.
#ifndef LIVEEVENTS_SERVICE_STORE_REDIS_REDIS_CONNECTION_H_
#define LIVEEVENTS_SERVICE_STORE_REDIS_REDIS_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

struct redisContext;
struct redisReply;

namespace liveevents::service::redis {

struct RedisAddress {
  std::string host;
  int port = 0;
};

// Parses "host:port" ("127.0.0.1:6379", "redis.internal:6379", "[::1]:6379").
absl::StatusOr<RedisAddress> ParseRedisAddress(absl::string_view host_port);

// The status for an error reply, by its first word: NOAUTH/WRONGPASS UNAUTHENTICATED, NOPERM
// PERMISSION_DENIED, LOADING/BUSY/READONLY/MASTERDOWN/TRYAGAIN/CLUSTERDOWN/MOVED/ASK UNAVAILABLE
// (a retry may succeed), OOM RESOURCE_EXHAUSTED, NOSCRIPT NOT_FOUND, DATALOSS (raised by our
// scripts) DATA_LOSS, anything else INTERNAL.
absl::Status StatusFromRedisError(absl::string_view error);

struct RedisConnectionOptions {
  RedisAddress address{"127.0.0.1", 6379};
  // Sent with AUTH after every connect when not empty (Redis 6 ACL users: also set `username`).
  std::string username;
  std::string password;
  absl::Duration connect_timeout = absl::Seconds(2);
  // How long a command may take before the connection counts as broken.
  absl::Duration command_timeout = absl::Seconds(5);
};

// Owns one hiredis reply.
struct RedisReplyDeleter {
  void operator()(redisReply* reply) const;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

// Owns one hiredis connection.
struct RedisContextDeleter {
  void operator()(redisContext* context) const;
};

// The text of a string or status reply; empty for other types.
absl::string_view ReplyText(const redisReply& reply);

class RedisConnection {
 public:
  // Does not connect: the first command does.
  explicit RedisConnection(RedisConnectionOptions options);
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command (binary-safe arguments) and returns its reply, which is never an error
  // reply: those come back as StatusFromRedisError. Connection failures and timeouts are
  // UNAVAILABLE and drop the connection, so the next call connects again; whether a command that
  // failed that way took effect on the server is unknown. Blocks for at most the connect timeout
  // plus the command timeout. Not thread-safe: one thread at a time per connection.
  absl::StatusOr<RedisReplyPtr> Command(absl::Span<const absl::string_view> args);
  absl::StatusOr<RedisReplyPtr> Command(std::initializer_list<absl::string_view> args) {
    return Command(absl::MakeConstSpan(args.begin(), args.size()));
  }

  // As Command, for a command that blocks on the server (XREAD BLOCK, WAIT) for up to `block`:
  // the read timeout is extended by that much for this call. The command timeout stays on top
  // of it, as the margin for Redis ending the block late (by up to a server tick, 100 ms).
  absl::StatusOr<RedisReplyPtr> BlockingCommand(absl::Span<const absl::string_view> args,
                                                absl::Duration block);

  // Connects now if not connected (also used to probe a server).
  absl::Status Connect();
  bool connected() const { return context_ != nullptr; }
  const RedisConnectionOptions& options() const { return options_; }

 private:
  absl::StatusOr<RedisReplyPtr> Run(absl::Span<const absl::string_view> args);
  // Closes the connection and describes why, as UNAVAILABLE.
  absl::Status Broken(absl::string_view what);

  const RedisConnectionOptions options_;
  std::unique_ptr<redisContext, RedisContextDeleter> context_;
};

}  // namespace liveevents::service::redis

#endif  // LIVEEVENTS_SERVICE_STORE_REDIS_REDIS_CONNECTION_H_
