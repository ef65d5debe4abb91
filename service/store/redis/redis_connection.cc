#include "service/store/redis/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace liveevents::service::redis {
namespace {

timeval TimeoutTimeval(absl::Duration duration) {
  // A zero timeval means "no timeout" to the kernel: keep at least a millisecond.
  duration = std::max(duration, absl::Milliseconds(1));
  return absl::ToTimeval(duration);
}

std::string AddressText(const RedisAddress& address) {
  return absl::StrContains(address.host, ':') ? absl::StrCat("[", address.host, "]:", address.port)
                                              : absl::StrCat(address.host, ":", address.port);
}

}  // namespace

absl::StatusOr<RedisAddress> ParseRedisAddress(absl::string_view host_port) {
  const size_t colon = host_port.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Redis address '", host_port, "' is not host:port"));
  }
  absl::string_view host = host_port.substr(0, colon);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  if (host.empty() || !absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port <= 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("Redis address '", host_port, "' is not host:port"));
  }
  return RedisAddress{std::string(host), port};
}

absl::Status StatusFromRedisError(absl::string_view error) {
  const absl::string_view code = error.substr(0, error.find(' '));
  const std::string message = absl::StrCat("Redis: ", error);
  if (code == "NOAUTH" || code == "WRONGPASS") return absl::UnauthenticatedError(message);
  if (code == "NOPERM") return absl::PermissionDeniedError(message);
  if (code == "LOADING" || code == "BUSY" || code == "READONLY" || code == "MASTERDOWN" ||
      code == "TRYAGAIN" || code == "CLUSTERDOWN" || code == "MOVED" || code == "ASK") {
    return absl::UnavailableError(message);
  }
  if (code == "OOM") return absl::ResourceExhaustedError(message);
  if (code == "NOSCRIPT") return absl::NotFoundError(message);
  if (code == "DATALOSS") return absl::DataLossError(message);
  return absl::InternalError(message);
}

void RedisReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }
void RedisContextDeleter::operator()(redisContext* context) const { redisFree(context); }

absl::string_view ReplyText(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_STRING && reply.type != REDIS_REPLY_STATUS) return {};
  return absl::string_view(reply.str, reply.len);
}

RedisConnection::RedisConnection(RedisConnectionOptions options) : options_(std::move(options)) {}

absl::Status RedisConnection::Broken(absl::string_view what) {
  std::string message = absl::StrCat("Redis at ", AddressText(options_.address), ": ", what);
  if (context_ != nullptr) {
    if (context_->err != 0) absl::StrAppend(&message, ": ", context_->errstr);
    context_.reset();
  }
  return absl::UnavailableError(message);
}

absl::Status RedisConnection::Connect() {
  if (context_ != nullptr) return absl::OkStatus();
  context_.reset(redisConnectWithTimeout(options_.address.host.c_str(), options_.address.port,
                                         TimeoutTimeval(options_.connect_timeout)));
  if (context_ == nullptr) return Broken("cannot allocate a connection");
  if (context_->err != 0) return Broken("connect failed");
  if (redisSetTimeout(context_.get(), TimeoutTimeval(options_.command_timeout)) != REDIS_OK) {
    return Broken("setting the command timeout failed");
  }
  // Keepalive notices a peer that vanished without closing (a lost machine) on idle
  // connections. Best effort: without it the command timeout still bounds every call.
  static_cast<void>(redisEnableKeepAlive(context_.get()));
  if (options_.password.empty()) return absl::OkStatus();
  std::vector<absl::string_view> auth = {"AUTH"};
  if (!options_.username.empty()) auth.push_back(options_.username);
  auth.push_back(options_.password);
  absl::StatusOr<RedisReplyPtr> reply = Run(auth);
  if (!reply.ok()) {
    // A refused password must not leave an unauthenticated connection for the next call.
    context_.reset();
    return reply.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<RedisReplyPtr> RedisConnection::Command(absl::Span<const absl::string_view> args) {
  if (absl::Status status = Connect(); !status.ok()) return status;
  return Run(args);
}

absl::StatusOr<RedisReplyPtr> RedisConnection::BlockingCommand(
    absl::Span<const absl::string_view> args, absl::Duration block) {
  if (absl::Status status = Connect(); !status.ok()) return status;
  if (redisSetTimeout(context_.get(), TimeoutTimeval(options_.command_timeout + block)) !=
      REDIS_OK) {
    return Broken("setting the read timeout failed");
  }
  absl::StatusOr<RedisReplyPtr> reply = Run(args);
  if (context_ != nullptr &&
      redisSetTimeout(context_.get(), TimeoutTimeval(options_.command_timeout)) != REDIS_OK) {
    return Broken("restoring the command timeout failed");
  }
  return reply;
}

absl::StatusOr<RedisReplyPtr> RedisConnection::Run(absl::Span<const absl::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (absl::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  RedisReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(
      context_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
  // hiredis returns no reply when the connection failed; the context is unusable after that.
  if (reply == nullptr) {
    return Broken(absl::StrCat(args.empty() ? "" : args.front(), " failed"));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    return StatusFromRedisError(absl::string_view(reply->str, reply->len));
  }
  return reply;
}

}  // namespace liveevents::service::redis
