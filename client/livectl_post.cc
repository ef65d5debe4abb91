// `livectl post`: replay a callback body against the gateway, as Tencent's backend would send it.
#include <fstream>
#include <iostream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/callback_post.h"
#include "client/livectl_commands.h"

namespace liveevents::client {
namespace {

absl::StatusOr<std::string> ReadBody(const std::string& file) {
  if (file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", file));
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", file));
  return body;
}

// The token from --token or --token_file (not both); empty when neither is given.
absl::StatusOr<std::string> ReadToken(const PostOptions& options) {
  if (options.token_file.empty()) return options.token;
  if (!options.token.empty()) {
    return absl::InvalidArgumentError("pass --token or --token_file, not both");
  }
  std::ifstream in(options.token_file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", options.token_file));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", options.token_file));
  const absl::string_view token = absl::StripAsciiWhitespace(text);
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(options.token_file, " holds no token"));
  }
  return std::string(token);
}

}  // namespace

int Post(const PostOptions& options, std::ostream& out, std::ostream& err) {
  if (options.sdk_app_id == 0) {
    err << "livectl: post: --app is required (the SdkAppid query parameter)" << std::endl;
    return kExitUsage;
  }
  absl::StatusOr<HttpUrl> url = ParseHttpUrl(options.gateway);
  if (!url.ok()) {
    err << "livectl: post: " << url.status().message() << std::endl;
    return kExitUsage;
  }
  absl::StatusOr<std::string> token = ReadToken(options);
  if (!token.ok()) {
    err << "livectl: post: " << token.status().message() << std::endl;
    return kExitUsage;
  }
  absl::StatusOr<std::string> body = ReadBody(options.file);
  if (!body.ok()) {
    err << "livectl: post: " << body.status().message() << std::endl;
    return kExitUsage;
  }
  CallbackQuery query;
  query.sdk_app_id = options.sdk_app_id;
  query.command = options.command;
  if (query.command.empty()) {
    // --command wins when given, so a mismatching pair can be sent on purpose to test the
    // gateway's 400; otherwise the body names its own command, as Tencent's always does.
    absl::StatusOr<std::string> command = CommandFromBody(*body);
    if (!command.ok()) {
      err << "livectl: post: " << command.status().message() << "; pass --command" << std::endl;
      return kExitUsage;
    }
    query.command = *std::move(command);
  }
  query.token = *std::move(token);
  query.request_time = absl::ToUnixSeconds(absl::Now());
  absl::StatusOr<HttpReply> reply =
      PostJson(*url, BuildCallbackTarget(url->target, query), *std::move(body));
  if (!reply.ok()) {
    err << "livectl: post: " << reply.status().message() << std::endl;
    return kExitFailure;
  }
  out << reply->body << std::endl;
  if (reply->status != 200) {
    err << "livectl: post: the gateway answered HTTP " << reply->status << std::endl;
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace liveevents::client
