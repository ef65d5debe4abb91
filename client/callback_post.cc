#include "client/callback_post.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/apps/signature.h"

namespace liveevents::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string PercentEncode(absl::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

absl::Status NetworkError(absl::string_view step, const beast::error_code& ec) {
  return absl::UnavailableError(absl::StrCat(step, ": ", ec.message()));
}

}  // namespace

absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url) {
  constexpr absl::string_view kScheme = "http://";
  if (!absl::StartsWithIgnoreCase(url, kScheme)) {
    return absl::InvalidArgumentError(absl::StrCat("only http:// URLs are supported: ", url));
  }
  url.remove_prefix(kScheme.size());
  const size_t slash = url.find_first_of("/?");
  absl::string_view authority = url.substr(0, slash);
  HttpUrl out;
  out.target = slash == absl::string_view::npos ? "/" : std::string(url.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  const size_t colon = authority.rfind(':');
  uint32_t port = 80;
  if (colon != absl::string_view::npos && authority.find(']', colon) == absl::string_view::npos) {
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &port) || port == 0 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("bad port in URL: ", url));
    }
    authority = authority.substr(0, colon);
  }
  // IPv6 literals arrive bracketed; the resolver wants them bare.
  if (authority.size() >= 2 && authority.front() == '[' && authority.back() == ']') {
    authority = authority.substr(1, authority.size() - 2);
  }
  if (authority.empty()) return absl::InvalidArgumentError(absl::StrCat("no host in URL: ", url));
  out.host = std::string(authority);
  out.port = absl::StrCat(port);
  return out;
}

std::string BuildCallbackTarget(absl::string_view target, const CallbackQuery& query) {
  std::string out(target);
  out += absl::StrContains(target, '?') ? "&" : "?";
  absl::StrAppend(&out, "SdkAppid=", query.sdk_app_id,
                  "&CallbackCommand=", PercentEncode(query.command), "&contenttype=json",
                  "&ClientIP=", PercentEncode(query.client_ip),
                  "&OptPlatform=", PercentEncode(query.opt_platform));
  if (!query.token.empty()) {
    const std::string time = absl::StrCat(query.request_time);
    absl::StrAppend(&out, "&RequestTime=", time,
                    "&Sign=", gateway::ComputeCallbackSign(query.token, time));
  }
  return out;
}

absl::StatusOr<std::string> CommandFromBody(absl::string_view body) {
  // The non-throwing parse: nlohmann exceptions never leave this file.
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::InvalidArgumentError("the callback body is not a JSON object");
  }
  const auto it = json.find("CallbackCommand");
  if (it == json.end() || !it->is_string()) {
    return absl::NotFoundError("the callback body has no CallbackCommand string");
  }
  return it->get<std::string>();
}

namespace {

// Sends `request` to url.host:url.port and reads the reply, one connection per request.
absl::StatusOr<HttpReply> Exchange(const HttpUrl& url, http::request<http::string_body>& request) {
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return NetworkError(absl::StrCat("resolve ", url.host), ec);
  stream.connect(endpoints, ec);
  if (ec) return NetworkError(absl::StrCat("connect ", url.host, ":", url.port), ec);
  request.set(http::field::host, absl::StrCat(url.host, ":", url.port));
  request.set(http::field::user_agent, "livectl");
  http::write(stream, request, ec);
  if (ec) return NetworkError("write", ec);

  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, ec);
  if (ec) return NetworkError("read", ec);
  // The peer may already have closed; a failed shutdown changes nothing for the caller.
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return HttpReply{response.result_int(), std::move(response.body())};
}

}  // namespace

absl::StatusOr<HttpReply> PostJson(const HttpUrl& url, const std::string& target,
                                   std::string body) {
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  return Exchange(url, request);
}

absl::StatusOr<HttpReply> Get(const HttpUrl& url) {
  http::request<http::string_body> request{http::verb::get, url.target, 11};
  return Exchange(url, request);
}

}  // namespace liveevents::client
