// The HTTP server with TLS on a real loopback listener, driven by a Beast client that verifies
// the server against a CA made at test time: requests over a keep-alive TLS connection, TLS 1.2
// as the oldest version, the handshake timeout, and a graceful stop that reaches TLS sessions.
#include <openssl/ssl.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "gateway/callback_exchange.h"
#include "gateway/http/http_server.h"
#include "gateway/request_handler.h"
#include "gtest/gtest.h"
#include "tests/gateway/publish/fake_event_publisher.h"
#include "tests/testing/temp_path.h"
#include "tests/testing/test_pki.h"

namespace liveevents::gateway {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using Response = http::response<http::string_body>;

constexpr auto kBound = std::chrono::seconds(10);  // Upper bound of any single wait.
const std::string kCallbackTarget =
    "/callback?SdkAppid=1400000001&CallbackCommand=Live.CallbackAfterCreateRoom";
constexpr char kCreateRoom[] =
    R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","RoomInfo":{"RoomId":"r1"}})";

http::request<http::string_body> Request(http::verb verb, const std::string& target,
                                         const std::string& body = "") {
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, "localhost");
  request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  return request;
}

// A TLS client whose every operation is bounded by a stream timeout.
class TlsClient {
 public:
  // Trusts only `ca_file`; offers TLS versions up to `max_version`.
  TlsClient(uint16_t port, const std::string& ca_file, int max_version = TLS1_3_VERSION)
      : context_(ssl::context::tls_client) {
    context_.load_verify_file(ca_file);
    context_.set_verify_mode(ssl::verify_peer);
    // Lowered so that the client itself would speak TLS 1.0/1.1: only the server can refuse.
    SSL_CTX_set_security_level(context_.native_handle(), 0);
    SSL_CTX_set_min_proto_version(context_.native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(context_.native_handle(), max_version);
    stream_.emplace(ioc_, context_);
    stream_->set_verify_callback(ssl::host_name_verification("localhost"));
    SSL_set_tlsext_host_name(stream_->native_handle(), "localhost");
    Lowest().expires_after(kBound);
    Lowest().async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                           [this](beast::error_code ec) { ec_ = ec; });
    Run();
  }

  bool Handshake() {
    if (ec_) return false;
    Lowest().expires_after(kBound);
    stream_->async_handshake(ssl::stream_base::client, [this](beast::error_code ec) { ec_ = ec; });
    Run();
    return !ec_;
  }

  std::optional<Response> RoundTrip(http::request<http::string_body> request) {
    Lowest().expires_after(kBound);
    http::async_write(*stream_, request, [this](beast::error_code ec, size_t) { ec_ = ec; });
    Run();
    if (ec_) return std::nullopt;
    return Read();
  }

  std::optional<Response> Read() {
    Response response;
    Lowest().expires_after(kBound);
    http::async_read(*stream_, buffer_, response,
                     [this](beast::error_code ec, size_t) { ec_ = ec; });
    Run();
    if (ec_) return std::nullopt;
    return response;
  }

  // True when the server ends the connection (close_notify, EOF or reset) within the bound.
  bool WaitClosed() {
    char scratch[1024];
    for (;;) {
      Lowest().expires_after(kBound);
      stream_->async_read_some(net::buffer(scratch),
                               [this](beast::error_code ec, size_t) { ec_ = ec; });
      Run();
      if (ec_) return ec_ != beast::error::timeout;
    }
  }

  // True when the server closes the TCP connection within the bound, reading below TLS (no
  // handshake is started).
  bool WaitTcpClosed() {
    char scratch[1024];
    for (;;) {
      Lowest().expires_after(kBound);
      Lowest().async_read_some(net::buffer(scratch),
                               [this](beast::error_code ec, size_t) { ec_ = ec; });
      Run();
      if (ec_) return ec_ != beast::error::timeout;
    }
  }

  bool Send(http::request<http::string_body> request) {
    Lowest().expires_after(kBound);
    http::async_write(*stream_, request, [this](beast::error_code ec, size_t) { ec_ = ec; });
    Run();
    return !ec_;
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(*stream_); }
  void Run() {
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  ssl::context context_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  beast::error_code ec_;
};

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = liveevents::testing::UniqueTempPath("pki");
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    absl::StatusOr<liveevents::testing::TestCa> ca = liveevents::testing::TestCa::Create(dir_, "t");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_file_ = ca->cert_file();
    absl::StatusOr<liveevents::testing::KeyPair> pair =
        liveevents::testing::IssueLoopbackServer(*ca, "server");
    ASSERT_TRUE(pair.ok()) << pair.status();
    absl::StatusOr<std::shared_ptr<ReloadableTlsContext>> tls =
        ReloadableTlsContext::Create(pair->cert_file, pair->key_file);
    ASSERT_TRUE(tls.ok()) << tls.status();
    tls_ = *tls;
  }

  void StartServer(SessionLimits limits = {}) {
    RequestHandler::Options handler_options;
    handler_options.apps = {1400000001};
    handler_ = std::make_unique<RequestHandler>(handler_options);
    exchange_ =
        std::make_unique<CallbackExchange>(*handler_, publisher_, CallbackExchange::Options{});
    HttpServer::Options options;
    options.address = "127.0.0.1:0";
    options.limits = limits;
    options.tls = tls_;
    server_ = std::make_unique<HttpServer>(options, *exchange_);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    publisher_.ReleaseAnswers();
    server_.reset();  // Stops and waits.
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::string ca_file_;
  std::shared_ptr<ReloadableTlsContext> tls_;
  FakeEventPublisher publisher_;
  std::unique_ptr<RequestHandler> handler_;
  std::unique_ptr<CallbackExchange> exchange_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpsServerTest, ServesRequestsOnAKeepAliveTlsConnection) {
  StartServer();
  TlsClient client(server_->port(), ca_file_);
  ASSERT_TRUE(client.Handshake());
  const std::optional<Response> health = client.RoundTrip(Request(http::verb::get, "/healthz"));
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->result_int(), 200u);
  const std::optional<Response> posted =
      client.RoundTrip(Request(http::verb::post, kCallbackTarget, kCreateRoom));
  ASSERT_TRUE(posted.has_value());
  EXPECT_EQ(posted->result_int(), 200u) << posted->body();
  EXPECT_EQ(publisher_.events().size(), 1u);
}

TEST_F(HttpsServerTest, RefusesTls11AndAcceptsTls12) {
  StartServer();
  TlsClient old_client(server_->port(), ca_file_, TLS1_1_VERSION);
  EXPECT_FALSE(old_client.Handshake());
  TlsClient client(server_->port(), ca_file_, TLS1_2_VERSION);
  EXPECT_TRUE(client.Handshake());
}

TEST_F(HttpsServerTest, SilentClientIsCutOffByTheHandshakeTimeout) {
  SessionLimits limits;
  limits.handshake_timeout = std::chrono::milliseconds(200);
  limits.read_timeout = std::chrono::minutes(5);  // Longer than the test's bound.
  StartServer(limits);
  TlsClient silent(server_->port(), ca_file_);  // Connected, no ClientHello.
  EXPECT_TRUE(silent.WaitTcpClosed());
}

TEST_F(HttpsServerTest, StopFinishesInFlightRequestThenClosesTlsSessions) {
  StartServer();
  publisher_.HoldAnswers();
  TlsClient idle(server_->port(), ca_file_);
  ASSERT_TRUE(idle.Handshake());
  ASSERT_TRUE(idle.RoundTrip(Request(http::verb::get, "/healthz")).has_value());
  TlsClient busy(server_->port(), ca_file_);
  ASSERT_TRUE(busy.Handshake());
  ASSERT_TRUE(busy.Send(Request(http::verb::post, kCallbackTarget, kCreateRoom)));
  ASSERT_TRUE(publisher_.WaitForHeld(1));
  server_->Stop();
  EXPECT_TRUE(idle.WaitClosed());
  publisher_.ReleaseAnswers();
  const std::optional<Response> response = busy.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(busy.WaitClosed());
  server_->Wait();
}

}  // namespace
}  // namespace liveevents::gateway
