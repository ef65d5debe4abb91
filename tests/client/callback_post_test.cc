#include "client/callback_post.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/livectl_commands.h"
#include "gateway/apps/signature.h"
#include "tests/testing/temp_path.h"

namespace liveevents::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

TEST(ParseHttpUrlTest, SplitsHostPortAndTarget) {
  struct Case {
    const char* url;
    const char* host;
    const char* port;
    const char* target;
  };
  const Case cases[] = {
      {"http://127.0.0.1:8080/callback", "127.0.0.1", "8080", "/callback"},
      {"http://gw.example/", "gw.example", "80", "/"},
      {"http://gw.example", "gw.example", "80", "/"},
      {"HTTP://gw:81?x=1", "gw", "81", "/?x=1"},
      {"http://[::1]:9000/cb?a=b", "::1", "9000", "/cb?a=b"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<HttpUrl> url = ParseHttpUrl(c.url);
    ASSERT_TRUE(url.ok()) << c.url << ": " << url.status();
    EXPECT_EQ(url->host, c.host) << c.url;
    EXPECT_EQ(url->port, c.port) << c.url;
    EXPECT_EQ(url->target, c.target) << c.url;
  }
}

TEST(ParseHttpUrlTest, RejectsWhatItCannotSend) {
  for (const char* url : {"https://gw/callback", "gw:8080/callback", "http://:80/", "http://gw:0/",
                          "http://gw:70000/", "http://gw:x/"}) {
    EXPECT_EQ(ParseHttpUrl(url).status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
}

// livectl signs with the gateway's own function; this pins what Tencent computes.
TEST(CallbackSignTest, IsLowercaseHexSha256OfTokenThenTime) {
  // printf 'secret1700000000' | sha256sum
  EXPECT_EQ(gateway::ComputeCallbackSign("secret", "1700000000"),
            "a09abffb61e9ed1074de76ba1133a9900ffb7cccde778fb92b31afb76f5390ff");
  EXPECT_EQ(gateway::ComputeCallbackSign("", ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(BuildCallbackTargetTest, AddsTencentsQueryParameters) {
  CallbackQuery query;
  query.sdk_app_id = 1400000001;
  query.command = "Live.CallbackAfterCreateRoom";
  EXPECT_EQ(BuildCallbackTarget("/callback", query),
            "/callback?SdkAppid=1400000001&CallbackCommand=Live.CallbackAfterCreateRoom"
            "&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI");
  query.command = "a b&c";
  query.token = "tok";
  query.request_time = 1700000000;
  EXPECT_EQ(BuildCallbackTarget("/cb?x=1", query),
            "/cb?x=1&SdkAppid=1400000001&CallbackCommand=a%20b%26c&contenttype=json"
            "&ClientIP=127.0.0.1&OptPlatform=RESTAPI&RequestTime=1700000000&Sign=" +
                gateway::ComputeCallbackSign("tok", "1700000000"));
}

TEST(CommandFromBodyTest, ReadsTheBodysCommand) {
  EXPECT_EQ(*CommandFromBody(R"({"CallbackCommand":"Live.X","EventTime":1})"), "Live.X");
  EXPECT_EQ(CommandFromBody(R"({"EventTime":1})").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(CommandFromBody(R"({"CallbackCommand":7})").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(CommandFromBody("[1]").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CommandFromBody("{bad").status().code(), absl::StatusCode::kInvalidArgument);
}

// A one-request HTTP server on 127.0.0.1:0 that records the request and answers `status`.
class OneShotServer {
 public:
  explicit OneShotServer(http::status status)
      : acceptor_(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        thread_([this, status] { Serve(status); }) {}
  ~OneShotServer() {
    // If the client never connected (a failing test), connect once so accept() returns.
    if (!accepted_) {
      boost::asio::io_context io;
      tcp::socket poke(io);
      beast::error_code ec;
      poke.connect(acceptor_.local_endpoint(), ec);
      thread_.join();
      return;
    }
    thread_.join();
  }

  std::string url() const {
    return absl::StrCat("http://127.0.0.1:", acceptor_.local_endpoint().port(), "/callback");
  }
  // Valid after the client got its answer (the request is read before the reply is written).
  const http::request<http::string_body>& request() const { return request_; }

 private:
  void Serve(http::status status) {
    beast::error_code ec;
    tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    accepted_ = true;
    if (ec) return;
    beast::flat_buffer buffer;
    http::read(socket, buffer, request_, ec);
    if (ec) return;
    http::response<http::string_body> response{status, 11};
    response.set(http::field::content_type, "application/json");
    response.body() = R"({"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0})";
    response.prepare_payload();
    http::write(socket, response, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  http::request<http::string_body> request_;
  std::atomic<bool> accepted_{false};
  std::thread thread_;
};

class TempFile {
 public:
  explicit TempFile(const std::string& content)
      : path_(liveevents::testing::UniqueTempPath("callback_body.json")) {
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(PostTest, SendsTheBodyWithQueryAndPrintsTheAnswer) {
  const std::string body = R"({"CallbackCommand":"Live.CallbackAfterCreateRoom"})";
  TempFile file(body);
  std::ostringstream out, err;
  std::string target;
  {
    OneShotServer server(http::status::ok);
    PostOptions options;
    options.file = file.path();
    options.sdk_app_id = 1400000001;
    options.gateway = server.url();
    options.token = "tok";
    EXPECT_EQ(Post(options, out, err), kExitOk) << err.str();
    EXPECT_EQ(server.request().body(), body);
    target = std::string(server.request().target());
  }
  EXPECT_EQ(out.str(), "{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\",\"ErrorCode\":0}\n");
  EXPECT_EQ(target.rfind("/callback?SdkAppid=1400000001&CallbackCommand="
                         "Live.CallbackAfterCreateRoom&contenttype=json",
                         0),
            0u)
      << target;
  EXPECT_NE(target.find("&RequestTime="), std::string::npos);
  EXPECT_NE(target.find("&Sign="), std::string::npos);
}

TEST(PostTest, FailsOnANon200Answer) {
  TempFile file(R"({"CallbackCommand":"Live.X"})");
  OneShotServer server(http::status::forbidden);
  PostOptions options;
  options.file = file.path();
  options.sdk_app_id = 1;
  options.gateway = server.url();
  std::ostringstream out, err;
  EXPECT_EQ(Post(options, out, err), kExitFailure);
  EXPECT_NE(err.str().find("HTTP 403"), std::string::npos) << err.str();
}

TEST(PostTest, NeedsAnAppAndACommand) {
  TempFile file(R"({"EventTime":1})");
  PostOptions options;
  options.file = file.path();
  std::ostringstream out, err;
  EXPECT_EQ(Post(options, out, err), kExitUsage);
  options.sdk_app_id = 1;
  EXPECT_EQ(Post(options, out, err), kExitUsage);
  EXPECT_NE(err.str().find("--command"), std::string::npos) << err.str();
}

TEST(PostTest, SignsWithTheTokenFromTokenFile) {
  const std::string body = R"({"CallbackCommand":"Live.CallbackAfterCreateRoom"})";
  TempFile file(body);
  const std::string token_path = liveevents::testing::UniqueTempPath("callback_token.txt");
  std::ofstream(token_path) << "tok\n";  // The final newline is not part of the token.
  std::string target;
  std::ostringstream out, err;
  {
    OneShotServer server(http::status::ok);
    PostOptions options;
    options.file = file.path();
    options.sdk_app_id = 1400000001;
    options.gateway = server.url();
    options.token_file = token_path;
    EXPECT_EQ(Post(options, out, err), kExitOk) << err.str();
    target = std::string(server.request().target());
  }
  std::remove(token_path.c_str());
  const size_t time_at = target.find("&RequestTime=");
  const size_t sign_at = target.find("&Sign=");
  ASSERT_NE(time_at, std::string::npos) << target;
  ASSERT_NE(sign_at, std::string::npos) << target;
  const std::string time = target.substr(time_at + 13, sign_at - time_at - 13);
  EXPECT_EQ(target.substr(sign_at + 6), gateway::ComputeCallbackSign("tok", time));
}

TEST(PostTest, RefusesBothTokenFlagsAndAnEmptyTokenFile) {
  TempFile file(R"({"CallbackCommand":"Live.X"})");
  const std::string token_path = liveevents::testing::UniqueTempPath("callback_empty_token.txt");
  std::ofstream(token_path) << "\n";
  PostOptions options;
  options.file = file.path();
  options.sdk_app_id = 1;
  options.gateway = "http://127.0.0.1:1/callback";  // Never reached.
  options.token_file = token_path;
  std::ostringstream out, err;
  EXPECT_EQ(Post(options, out, err), kExitUsage);
  EXPECT_NE(err.str().find("holds no token"), std::string::npos) << err.str();
  options.token = "tok";
  EXPECT_EQ(Post(options, out, err), kExitUsage);
  EXPECT_NE(err.str().find("not both"), std::string::npos) << err.str();
  options.token.clear();
  options.token_file = liveevents::testing::UniqueTempPath("no_such_token_file");
  EXPECT_EQ(Post(options, out, err), kExitUsage);
  std::remove(token_path.c_str());
}

}  // namespace
}  // namespace liveevents::client
