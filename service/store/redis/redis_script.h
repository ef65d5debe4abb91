// A Lua script run on Redis by its SHA-1 (EVALSHA), falling back to sending its source (EVAL)
// when the server does not have it cached (NOSCRIPT: a restarted or failed-over Redis).
#ifndef LIVEEVENTS_SERVICE_STORE_REDIS_REDIS_SCRIPT_H_
#define LIVEEVENTS_SERVICE_STORE_REDIS_REDIS_SCRIPT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "service/store/redis/redis_connection.h"

namespace liveevents::service::redis {

class RedisScript {
 public:
  // `source` must outlive the script (a string literal).
  explicit RedisScript(absl::string_view source);

  // Runs the script with `keys` (every key it touches, so that Redis Cluster can route it) and
  // `args`. Errors as RedisConnection::Command. Thread-compatible: `connection` is the caller's.
  absl::StatusOr<RedisReplyPtr> Run(RedisConnection& connection,
                                    absl::Span<const absl::string_view> keys,
                                    absl::Span<const absl::string_view> args) const;

  const std::string& sha1() const { return sha1_; }

 private:
  absl::string_view source_;
  std::string sha1_;  // Lowercase hex, as Redis names cached scripts.
};

}  // namespace liveevents::service::redis

#endif  // LIVEEVENTS_SERVICE_STORE_REDIS_REDIS_SCRIPT_H_
