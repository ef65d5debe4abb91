// The HTTP server on a real loopback listener (port 0), driven by a small Beast client. Every wait
// is bounded by a stream timeout; nothing sleeps.
#include "gateway/http/http_server.h"

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "boost/asio/connect.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gateway/apps/reloadable_app_registry.h"
#include "gateway/callback_exchange.h"
#include "gateway/request_handler.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/gateway/publish/fake_event_publisher.h"
#include "tests/testing/temp_path.h"

namespace liveevents::gateway {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Response = http::response<http::string_body>;

constexpr auto kBound = std::chrono::seconds(10);  // Upper bound of any single wait.
constexpr char kOkBody[] = R"({"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0})";
constexpr char kCreateRoom[] =
    R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","RoomInfo":{"RoomId":"r1"}})";
const std::string kCallbackTarget =
    "/callback?SdkAppid=1400000001&CallbackCommand=Live.CallbackAfterCreateRoom";

// A blocking-style client whose every operation is bounded by a stream timeout.
class TestClient {
 public:
  explicit TestClient(uint16_t port) {
    stream_.expires_after(kBound);
    stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                          [this](beast::error_code ec) { ec_ = ec; });
    Run();
  }

  bool Send(const std::string& raw) {
    stream_.expires_after(kBound);
    net::async_write(stream_, net::buffer(raw), [this](beast::error_code ec, size_t) { ec_ = ec; });
    Run();
    return !ec_;
  }

  bool Send(http::request<http::string_body> request) {
    request.prepare_payload();
    std::ostringstream out;
    out << request;
    return Send(out.str());
  }

  std::optional<Response> Read() {
    Response response;
    stream_.expires_after(kBound);
    http::async_read(stream_, buffer_, response,
                     [this](beast::error_code ec, size_t) { ec_ = ec; });
    Run();
    if (ec_) return std::nullopt;
    return response;
  }

  // True when the server closes the connection (EOF or reset) within the bound.
  bool WaitClosed() {
    char scratch[1024];
    for (;;) {
      stream_.expires_after(kBound);
      size_t read = 0;
      stream_.async_read_some(net::buffer(scratch), [&](beast::error_code ec, size_t n) {
        ec_ = ec;
        read = n;
      });
      Run();
      if (ec_) return ec_ != beast::error::timeout;
    }
  }

 private:
  void Run() {
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
  beast::error_code ec_;
};

http::request<http::string_body> Post(const std::string& target, const std::string& body,
                                      unsigned version = 11) {
  http::request<http::string_body> request{http::verb::post, target, version};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::content_type, "application/json");
  request.body() = body;
  return request;
}

http::request<http::string_body> Get(const std::string& target) {
  http::request<http::string_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  return request;
}

nlohmann::json JsonOf(const Response& response) {
  return nlohmann::json::parse(response.body(), nullptr, false);
}

RequestHandler::Options DefaultHandlerOptions() {
  RequestHandler::Options options;
  options.apps = {1400000001};
  return options;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(SessionLimits limits = {}, size_t max_connections = 1024) {
    handler_ = std::make_unique<RequestHandler>(handler_options_);
    CallbackExchange::Options exchange_options;
    exchange_options.before_callback_budget = before_callback_budget_;
    exchange_ = std::make_unique<CallbackExchange>(*handler_, publisher_, exchange_options);
    HttpServer::Options options;
    options.address = "127.0.0.1:0";
    options.io_threads = 2;
    options.max_connections = max_connections;
    options.limits = limits;
    server_ = std::make_unique<HttpServer>(options, *exchange_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  void TearDown() override {
    publisher_.ReleaseAnswers();
    server_.reset();  // Stops and waits.
  }

  FakeEventPublisher publisher_;
  RequestHandler::Options handler_options_ = DefaultHandlerOptions();
  std::chrono::steady_clock::duration before_callback_budget_ = std::chrono::milliseconds(500);
  std::unique_ptr<RequestHandler> handler_;
  std::unique_ptr<CallbackExchange> exchange_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, PublishesCallbackAndAnswersOk) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post(kCallbackTarget, kCreateRoom)));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200u);
  EXPECT_EQ(response->body(), kOkBody);
  EXPECT_EQ((*response)[http::field::content_type], "application/json");
  ASSERT_EQ(publisher_.events().size(), 1u);
  EXPECT_EQ(publisher_.events()[0].create_room().room_info().room_id(), "r1");
}

TEST_F(HttpServerTest, RejectsUnknownAppWith403AndPublishesNothing) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post("/callback?SdkAppid=999", kCreateRoom)));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 403u);
  EXPECT_EQ(JsonOf(*response)["ErrorCode"], kErrorForbiddenApp);
  EXPECT_TRUE(publisher_.events().empty());
}

TEST_F(HttpServerTest, RejectsMalformedJsonWith400FailBody) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post(kCallbackTarget, R"({"CallbackCommand": )")));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 400u);
  const nlohmann::json body = JsonOf(*response);
  EXPECT_EQ(body["ActionStatus"], "FAIL");
  EXPECT_EQ(body["ErrorCode"], kErrorMalformedJson);
  EXPECT_TRUE(publisher_.events().empty());
}

TEST_F(HttpServerTest, RejectsOversizedBodyWith413AndCloses) {
  SessionLimits limits;
  limits.max_body_bytes = 1024;
  StartServer(limits);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post(kCallbackTarget, std::string(64 * 1024, ' '))));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 413u);
  EXPECT_EQ(JsonOf(*response)["ErrorCode"], kErrorBodyTooLarge);
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpServerTest, RejectsOversizedHeaderWith431) {
  SessionLimits limits;
  limits.header_limit = 1024;
  StartServer(limits);
  TestClient client(server_->port());
  auto request = Post(kCallbackTarget, kCreateRoom);
  request.set("X-Padding", std::string(4096, 'x'));
  ASSERT_TRUE(client.Send(request));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 431u);
}

TEST_F(HttpServerTest, AnswersGetOnCallbackPathWith405) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Get(kCallbackTarget)));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 405u);
  EXPECT_EQ((*response)[http::field::allow], "POST");
}

TEST_F(HttpServerTest, AnswersOtherPathWith404) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post("/nope", kCreateRoom)));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 404u);
  EXPECT_EQ(JsonOf(*response)["ErrorCode"], kErrorNotFound);
}

TEST_F(HttpServerTest, AnswersPublishFailureWith503) {
  StartServer();
  publisher_.FailWith(absl::UnavailableError("service down"));
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post(kCallbackTarget, kCreateRoom)));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 503u);
  EXPECT_EQ(JsonOf(*response)["ErrorCode"], kErrorUnavailable);
}

TEST_F(HttpServerTest, ServesTwoRequestsOnOneKeepAliveConnection) {
  StartServer();
  TestClient client(server_->port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.Send(Post(kCallbackTarget, kCreateRoom)));
    const std::optional<Response> response = client.Read();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->result_int(), 200u);
    EXPECT_TRUE(response->keep_alive());
  }
  EXPECT_EQ(publisher_.events().size(), 2u);
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrder) {
  StartServer();
  TestClient client(server_->port());
  std::ostringstream both;
  auto first = Post(kCallbackTarget, kCreateRoom);
  first.prepare_payload();
  auto second = Get("/healthz");
  second.prepare_payload();
  both << first << second;
  ASSERT_TRUE(client.Send(both.str()));
  const std::optional<Response> one = client.Read();
  const std::optional<Response> two = client.Read();
  ASSERT_TRUE(one.has_value());
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(one->body(), kOkBody);
  EXPECT_EQ(two->body(), R"({"status":"ok"})");
}

TEST_F(HttpServerTest, DisconnectsSlowClientAfterReadTimeout) {
  SessionLimits limits;
  limits.read_timeout = std::chrono::milliseconds(200);
  StartServer(limits);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("POST /callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le"));
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpServerTest, ClosesIdleKeepAliveConnectionAfterIdleTimeout) {
  SessionLimits limits;
  limits.idle_timeout = std::chrono::milliseconds(200);
  StartServer(limits);
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/healthz")));
  ASSERT_TRUE(client.Read().has_value());
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpServerTest, AnswersHealthz) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Get("/healthz")));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200u);
  EXPECT_EQ(response->body(), R"({"status":"ok"})");
}

TEST_F(HttpServerTest, ServesHttp10AndCloses) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post(kCallbackTarget, kCreateRoom, 10)));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->version(), 10u);
  EXPECT_EQ(response->body(), kOkBody);
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(HttpServerTest, AnswersGarbageWith400) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("NOT AN HTTP REQUEST\r\n\r\n"));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 400u);
  EXPECT_EQ(JsonOf(*response)["ErrorCode"], kErrorBadHttpRequest);
}

// RFC 9112 §6.1: chunked must be the final transfer coding. Beast reads such a request as having
// no body, so the chunk bytes used to be parsed as a second request on a connection left open.
TEST_F(HttpServerTest, RefusesChunkedThenGzipWith400AndCloses) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send("POST " + kCallbackTarget +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
                          "1c\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n\r\n0\r\n\r\n"));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 400u);
  const nlohmann::json body = JsonOf(*response);
  EXPECT_EQ(body["ErrorCode"], kErrorBadHttpRequest);
  EXPECT_EQ(
      body["ErrorInfo"],
      R"(bad HTTP request: Transfer-Encoding "chunked, gzip" is not supported (only "chunked"))");
  EXPECT_EQ((*response)[http::field::connection], "close");
  EXPECT_TRUE(client.WaitClosed());  // No second answer: the chunk bytes were not a request.
  EXPECT_TRUE(publisher_.events().empty());
}

// Every request whose body framing is not understood gets 400 with Connection: close, and the
// connection is closed after the answer, whether Beast or the session refuses it.
TEST_F(HttpServerTest, ClosesTheConnectionOnEveryFramingError) {
  StartServer();
  const std::string head = "POST " + kCallbackTarget + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  const std::string body = kCreateRoom;
  const std::string length = std::to_string(body.size());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"negative length", head + "Content-Length: -1\r\n\r\n" + body},
      {"non-numeric length", head + "Content-Length: abc\r\n\r\n" + body},
      {"two lengths", head + "Content-Length: " + length + "\r\nContent-Length: 1\r\n\r\n" + body},
      {"length beyond 64 bits", head + "Content-Length: 99999999999999999999999\r\n\r\n" + body},
      {"chunked and length",
       head + "Transfer-Encoding: chunked\r\nContent-Length: " + length + "\r\n\r\n" + body},
      {"gzip only", head + "Transfer-Encoding: gzip\r\n\r\n" + body},
      {"gzip then chunked", head + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
      {"chunked twice", head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "0\r\n\r\n"},
      {"bad chunk size",
       head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n"},
  };
  for (const auto& [name, raw] : cases) {
    SCOPED_TRACE(name);
    TestClient client(server_->port());
    ASSERT_TRUE(client.Send(raw));
    const std::optional<Response> response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 400u);
    EXPECT_EQ(JsonOf(*response)["ErrorCode"], kErrorBadHttpRequest) << response->body();
    EXPECT_EQ((*response)[http::field::connection], "close");
    EXPECT_TRUE(client.WaitClosed());
  }
  EXPECT_TRUE(publisher_.events().empty());
}

// A MsgContent of 100 000 nested arrays once overflowed the io thread's stack in the JSON
// serialiser and killed the gateway, again on every retry. Now it is a 400 that names the limit.
TEST_F(HttpServerTest, AnswersDeeplyNestedBodyWith400AndKeepsServing) {
  SessionLimits limits;
  limits.max_body_bytes = 512 * 1024;
  StartServer(limits);
  TestClient client(server_->port());
  const int depth = 100000;
  const std::string body =
      R"({"CallbackCommand":"Group.CallbackAfterSendMsg","MsgBody":[{"MsgType":"TIMCustomElem",)"
      R"("MsgContent":)" +
      std::string(depth, '[') + std::string(depth, ']') + "}]}";
  // The command comes from the body only, so that nothing stops the request before the JSON.
  ASSERT_TRUE(client.Send(Post("/callback?SdkAppid=1400000001", body)));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 400u);
  const nlohmann::json answer = JsonOf(*response);
  EXPECT_EQ(answer["ErrorCode"], kErrorMalformedJson);
  EXPECT_EQ(answer["ErrorInfo"],
            "body is not accepted: JSON nested deeper than 64 levels (the limit)");
  ASSERT_TRUE(client.Send(Get("/healthz")));
  const std::optional<Response> next = client.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->result_int(), 200u);
  EXPECT_TRUE(publisher_.events().empty());
}

TEST_F(HttpServerTest, ClosesConnectionsBeyondTheLimit) {
  StartServer({}, /*max_connections=*/1);
  TestClient first(server_->port());
  ASSERT_TRUE(first.Send(Get("/healthz")));
  ASSERT_TRUE(first.Read().has_value());  // The first session is registered by now.
  TestClient second(server_->port());
  EXPECT_TRUE(second.WaitClosed());
  ASSERT_TRUE(first.Send(Get("/healthz")));
  EXPECT_TRUE(first.Read().has_value());
}

TEST_F(HttpServerTest, StopFinishesInFlightRequestThenCloses) {
  StartServer();
  publisher_.HoldAnswers();
  TestClient busy(server_->port());
  TestClient idle(server_->port());
  ASSERT_TRUE(idle.Send(Get("/healthz")));
  ASSERT_TRUE(idle.Read().has_value());
  ASSERT_TRUE(busy.Send(Post(kCallbackTarget, kCreateRoom)));
  ASSERT_TRUE(publisher_.WaitForHeld(1));
  server_->Stop();
  EXPECT_TRUE(idle.WaitClosed());
  publisher_.ReleaseAnswers();
  const std::optional<Response> response = busy.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body(), kOkBody);
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(busy.WaitClosed());
  server_->Wait();
}

TEST_F(HttpServerTest, RecordsAllowDecisionForBeforeSendGift) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(
      client.Send(Post("/callback?SdkAppid=1400000001",
                       R"({"CallbackCommand":"Live.CallbackBeforeSendGift","RoomId":"r"})")));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(JsonOf(*response)["ErrorCode"], 0);
  ASSERT_EQ(publisher_.events().size(), 1u);
  EXPECT_TRUE(publisher_.events()[0].before_send_gift().decision().allow());
}

// --- Authentication and before-callback policy ---

constexpr char kRocket[] =
    R"({"CallbackCommand":"Live.CallbackBeforeSendGift","RoomId":"r","GiftWater":{"From_Account":"a","GiftId":"rocket"}})";
constexpr char kRose[] =
    R"({"CallbackCommand":"Live.CallbackBeforeSendGift","RoomId":"r","GiftWater":{"From_Account":"a","GiftId":"rose"}})";

class HttpServerPolicyTest : public HttpServerTest {
 protected:
  void SetUp() override {
    // App 1 needs a Sign; app 2 denies the "rocket" gift.
    // Each test owns its file: ctest -j runs these tests side by side.
    const std::string path = liveevents::testing::UniqueTempPath("apps.json");
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << R"({"apps": [
          {"sdk_app_id": 1400000001, "token": "xxxxyyyy"},
          {"sdk_app_id": 1400000002, "policy": {"deny_gift_ids": ["rocket"], "gift_deny_code": 102150}}
        ]})";
    }
    absl::StatusOr<std::unique_ptr<ReloadableAppRegistry>> registry =
        ReloadableAppRegistry::Create({path, {}});
    ASSERT_TRUE(registry.ok()) << registry.status();
    handler_options_.registry = *std::move(registry);
  }
};

TEST_F(HttpServerPolicyTest, AnswersUnsignedRequestWith401AndPublishesNothing) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(
      client.Send(Post("/callback?SdkAppid=1400000001&RequestTime=1&Sign=00", kCreateRoom)));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 401u);
  const nlohmann::json body = JsonOf(*response);
  EXPECT_EQ(body["ActionStatus"], "FAIL");
  EXPECT_EQ(body["ErrorCode"], kErrorSignMismatch);
  EXPECT_EQ(body["ErrorInfo"], "Sign does not match");
  EXPECT_TRUE(response->keep_alive());  // A 401 is an answer like any other.
  EXPECT_TRUE(publisher_.events().empty());
}

TEST_F(HttpServerPolicyTest, AnswersDeniedGiftWithTheCodeAndPublishesTheDecision) {
  StartServer();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post("/callback?SdkAppid=1400000002", kRocket)));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200u);
  const nlohmann::json body = JsonOf(*response);
  EXPECT_EQ(body["ActionStatus"], "OK");
  EXPECT_EQ(body["ErrorCode"], 102150);
  EXPECT_EQ(body["ErrorInfo"], "gift \"rocket\" is denied by policy");
  ASSERT_EQ(publisher_.events().size(), 1u);
  const liveevents::v1::Decision decision = publisher_.events()[0].before_send_gift().decision();
  EXPECT_FALSE(decision.allow());
  EXPECT_EQ(decision.error_code(), 102150);
}

TEST_F(HttpServerPolicyTest, AnswersTheDecisionEvenWhenThePublishFails) {
  StartServer();
  publisher_.FailWith(absl::UnavailableError("service down"));
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post("/callback?SdkAppid=1400000002", kRocket)));
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200u);
  EXPECT_EQ(JsonOf(*response)["ErrorCode"], 102150);
}

TEST_F(HttpServerPolicyTest, AnswersWithinTheBudgetWhenThePublishNeverCompletes) {
  before_callback_budget_ = std::chrono::milliseconds(20);
  StartServer();
  publisher_.HoldAnswers();  // Released only in TearDown.
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post("/callback?SdkAppid=1400000002", kRose)));
  const std::optional<Response> response = client.Read();  // Bounded by kBound, not the budget.
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body(), kOkBody);
  ASSERT_TRUE(publisher_.WaitForHeld(1));
  EXPECT_TRUE(publisher_.events()[0].before_send_gift().decision().allow());
  // The connection goes on while that publish is still in flight.
  ASSERT_TRUE(client.Send(Get("/healthz")));
  const std::optional<Response> next = client.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->result_int(), 200u);
  publisher_.ReleaseAnswers();  // Completes in the background: logged, not answered twice.
  ASSERT_TRUE(client.Send(Get("/healthz")));
  ASSERT_TRUE(client.Read().has_value());
}

TEST_F(HttpServerPolicyTest, AfterCallbacksStillWaitForThePublish) {
  before_callback_budget_ = std::chrono::milliseconds(1);
  StartServer();
  publisher_.HoldAnswers();
  TestClient client(server_->port());
  ASSERT_TRUE(client.Send(Post("/callback?SdkAppid=1400000002", kCreateRoom)));
  ASSERT_TRUE(publisher_.WaitForHeld(1));
  publisher_.FailWith(absl::UnavailableError("service down"));
  publisher_.ReleaseAnswers();
  const std::optional<Response> response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 503u);
}

}  // namespace
}  // namespace liveevents::gateway
