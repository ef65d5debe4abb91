#include "service/store/redis/redis_script.h"

#include <openssl/sha.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace liveevents::service::redis {

RedisScript::RedisScript(absl::string_view source) : source_(source) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source.data()), source.size(), digest);
  sha1_ = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::StatusOr<RedisReplyPtr> RedisScript::Run(RedisConnection& connection,
                                               absl::Span<const absl::string_view> keys,
                                               absl::Span<const absl::string_view> args) const {
  const std::string key_count = absl::StrCat(keys.size());
  std::vector<absl::string_view> command = {"EVALSHA", sha1_, key_count};
  command.reserve(3 + keys.size() + args.size());
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  absl::StatusOr<RedisReplyPtr> reply = connection.Command(command);
  // NOT_FOUND only ever means NOSCRIPT here. EVAL also caches the script for the next EVALSHA.
  if (!absl::IsNotFound(reply.status())) return reply;
  command[0] = "EVAL";
  command[1] = source_;
  return connection.Command(command);
}

}  // namespace liveevents::service::redis
