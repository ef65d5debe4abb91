// End to end over TLS, with the real binaries and certificates made at test time: a callback
// POSTed with `curl --cacert` over HTTPS reaches a subscriber through the gateway's mutual-TLS
// Publish; a client certificate not in --publishers cannot publish; SIGHUP swaps the HTTPS
// certificate; plaintext, garbage and silent clients on the HTTPS port are dropped cleanly;
// livectl's --tls_* flags reach the mutual-TLS port.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/client_credentials.h"
#include "tests/testing/e2e_fixture.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/test_pki.h"

namespace liveevents::testing {
namespace {

constexpr char kGatewayIdentity[] = "gateway.liveevents.test";

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("liveevents-tls-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    absl::StatusOr<TestCa> ca = TestCa::Create(dir_.string(), "first");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    for (const auto& [name, pair, cn, sans] :
         {std::tuple<const char*, KeyPair*, const char*, std::vector<std::string>>{
              "server", &server_pair_, "localhost", {"DNS:localhost", "IP:127.0.0.1"}},
          {"gateway", &gateway_pair_, "gateway", {std::string("DNS:") + kGatewayIdentity}},
          {"subscriber", &subscriber_pair_, "subscriber", {"DNS:subscriber.test"}}}) {
      absl::StatusOr<KeyPair> issued = ca_->Issue(name, cn, sans);
      ASSERT_TRUE(issued.ok()) << issued.status();
      *pair = *issued;
    }
  }

  void TearDown() override {
    gateway_.reset();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The server with mutual TLS; only the gateway's certificate may publish.
  void StartMutualTlsServer() {
    auto server = ChildProcess::Start({BinaryPath("liveevents-server"),
                                       "--grpc_address=127.0.0.1:0", "--store=memory",
                                       "--progress_interval=200ms", "--battle_grace=876000h",
                                       "--grpc_tls_cert_file=" + server_pair_.cert_file,
                                       "--grpc_tls_key_file=" + server_pair_.key_file,
                                       "--grpc_client_ca_file=" + ca_->cert_file(),
                                       absl::StrCat("--publishers=", kGatewayIdentity)});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    absl::StatusOr<std::string> listening = server_->WaitForListening("grpc", absl::Seconds(30));
    ASSERT_TRUE(listening.ok()) << listening.status();
    grpc_address_ = *listening;
  }

  // The gateway serving HTTPS with `cert`, publishing to the server (when started) over mutual
  // TLS with its own certificate.
  void StartHttpsGateway(const KeyPair& cert, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {
        BinaryPath("liveevents-gateway"),
        "--http_address=127.0.0.1:0",
        "--service_address=" + (grpc_address_.empty() ? "127.0.0.1:1" : grpc_address_),
        absl::StrCat("--apps=", kAppId),
        "--spool_dir=" + (dir_ / "spool").string(),
        "--tls_cert_file=" + cert.cert_file,
        "--tls_key_file=" + cert.key_file,
        "--service_tls_ca_file=" + ca_->cert_file(),
        "--service_tls_cert_file=" + gateway_pair_.cert_file,
        "--service_tls_key_file=" + gateway_pair_.key_file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto gateway = ChildProcess::Start(argv);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(*gateway);
    absl::StatusOr<std::string> listening = gateway_->WaitForListening("https", absl::Seconds(30));
    ASSERT_TRUE(listening.ok()) << listening.status();
    https_address_ = *listening;
  }

  // A stub presenting `client` (the subscriber's certificate, not a publisher).
  std::unique_ptr<v1::LiveEvents::Stub> Stub(const KeyPair& client) {
    ClientTlsFiles files;
    files.ca_file = ca_->cert_file();
    files.cert_file = client.cert_file;
    files.key_file = client.key_file;
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        MakeClientCredentials(files, "tls_");
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    return v1::LiveEvents::NewStub(grpc::CreateChannel(grpc_address_, *credentials));
  }

  // POSTs examples/`example` as `command` with curl over HTTPS, trusting only `ca_file`. The HTTP
  // status curl saw, or curl's error.
  absl::StatusOr<int> CurlPost(const std::string& ca_file, const std::string& command,
                               const std::string& example) {
    absl::StatusOr<std::string> output = RunShell(absl::StrCat(
        "curl -sS --max-time 10 --cacert '", ca_file, "' -o /dev/null -w '%{http_code}' ",
        "-H 'Content-Type: application/json' --data-binary '@", LIVEEVENTS_SOURCE_DIR, "/examples/",
        example, "' 'https://", https_address_, "/callback?SdkAppid=", kAppId,
        "&CallbackCommand=", command, "&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI'"));
    if (!output.ok()) return output.status();
    int code = 0;
    if (!absl::SimpleAtoi(*output, &code)) return absl::InternalError(*output);
    return code;
  }

  // A raw TCP connection to the HTTPS port that sends `bytes` and reads until the server closes.
  // What the server sent, or an error when it kept the connection open for 10 s.
  absl::StatusOr<std::string> SendRaw(const std::string& bytes) {
    const size_t colon = https_address_.rfind(':');
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(std::stoi(https_address_.substr(colon + 1))));
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd);
      return absl::UnavailableError("connect failed");
    }
    if (!bytes.empty()) (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    std::string received;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n > 0) {
        received.append(buffer, static_cast<size_t>(n));
        continue;
      }
      const bool timed_out = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      ::close(fd);
      if (timed_out) return absl::DeadlineExceededError("the server kept the connection open");
      return received;  // EOF or reset: the server closed it.
    }
  }

  std::filesystem::path dir_;
  std::optional<TestCa> ca_;
  KeyPair server_pair_, gateway_pair_, subscriber_pair_;
  std::unique_ptr<ChildProcess> server_;
  std::unique_ptr<ChildProcess> gateway_;
  std::string grpc_address_;
  std::string https_address_;
};

TEST_F(TlsTest, HttpsCallbackReachesSubscriberThroughMutualTlsAndOthersCannotPublish) {
  StartMutualTlsServer();
  StartHttpsGateway(server_pair_);
  auto stub = Stub(subscriber_pair_);
  Stream stream(*stub, v1::SubscribeRequest());

  absl::StatusOr<int> posted =
      CurlPost(ca_->cert_file(), "Live.CallbackAfterCreateRoom", "create_room.json");
  ASSERT_TRUE(posted.ok()) << posted.status();
  EXPECT_EQ(*posted, 200);
  // The gateway answers 200 even when it must spool: the event reaching the subscriber is what
  // proves the service accepted the gateway's certificate.
  const std::vector<v1::Event> events = stream.NextEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].command(), "Live.CallbackAfterCreateRoom");
  stream.Cancel();

  v1::PublishRequest forged;
  *forged.mutable_event() = MakeStartBattle("forged", "room-1", "room-2");
  v1::PublishResponse response;
  grpc::ClientContext context;
  const grpc::Status denied = stub->Publish(&context, forged, &response);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED) << denied.error_message();
  v1::ServerInfo info;
  grpc::ClientContext info_context;
  ASSERT_TRUE(stub->GetServerInfo(&info_context, v1::GetServerInfoRequest(), &info).ok());
  EXPECT_EQ(info.head_revision(), 1u);

  // livectl reaches the mutual-TLS port with the matching flags, and not without them.
  const std::string livectl =
      absl::StrCat(BinaryPath("livectl"), " info --timeout=5s --server ", grpc_address_);
  absl::StatusOr<std::string> with_tls = RunShell(absl::StrCat(
      livectl, " --tls_ca_file=", ca_->cert_file(), " --tls_cert_file=", subscriber_pair_.cert_file,
      " --tls_key_file=", subscriber_pair_.key_file));
  ASSERT_TRUE(with_tls.ok()) << with_tls.status();
  EXPECT_NE(with_tls->find("\"head_revision\":\"1\""), std::string::npos) << *with_tls;
  EXPECT_FALSE(RunShell(livectl).ok());
}

TEST_F(TlsTest, CurlNeedsTheRightCaAndSighupSwapsTheCertificate) {
  StartHttpsGateway(server_pair_);
  absl::StatusOr<TestCa> second_ca = TestCa::Create(dir_.string(), "second");
  ASSERT_TRUE(second_ca.ok()) << second_ca.status();
  absl::StatusOr<KeyPair> second = IssueLoopbackServer(*second_ca, "second-server");
  ASSERT_TRUE(second.ok()) << second.status();

  absl::StatusOr<int> first_ok =
      CurlPost(ca_->cert_file(), "Live.CallbackAfterCreateRoom", "create_room.json");
  ASSERT_TRUE(first_ok.ok()) << first_ok.status();
  EXPECT_EQ(*first_ok, 200);  // Spooled: no server runs here.
  EXPECT_FALSE(
      CurlPost(second_ca->cert_file(), "Live.CallbackAfterCreateRoom", "create_room.json").ok());

  // Replaced in place, as a certificate manager would, then SIGHUP. (A bad file keeping the old
  // certificate is covered by tests/gateway/http/tls_context_test.cc.)
  std::filesystem::copy_file(second->cert_file, server_pair_.cert_file,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(second->key_file, server_pair_.key_file,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(::kill(gateway_->pid(), SIGHUP), 0);
  // The reload happens on the gateway's signal thread: wait (bounded) for the new certificate.
  bool swapped = false;
  for (int attempt = 0; attempt < 200 && !swapped; ++attempt) {
    swapped =
        CurlPost(second_ca->cert_file(), "Live.CallbackAfterCreateRoom", "create_room.json").ok();
    if (!swapped) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(swapped);
  EXPECT_FALSE(CurlPost(ca_->cert_file(), "Live.CallbackAfterCreateRoom", "create_room.json").ok());
}

TEST_F(TlsTest, PlaintextGarbageAndSilentClientsAreDroppedAndTheServerKeepsServing) {
  StartHttpsGateway(server_pair_, {"--tls_handshake_timeout=300ms"});
  absl::StatusOr<std::string> plaintext =
      SendRaw("POST /callback HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_TRUE(plaintext.ok()) << plaintext.status();
  EXPECT_EQ(plaintext->find("HTTP/"), std::string::npos) << *plaintext;
  // A ClientHello record header announcing a huge length, then junk.
  absl::StatusOr<std::string> garbage =
      SendRaw(std::string("\x16\x03\x01\xff\xff", 5) + std::string(300, '\xab'));
  ASSERT_TRUE(garbage.ok()) << garbage.status();
  EXPECT_EQ(garbage->find("HTTP/"), std::string::npos);
  absl::StatusOr<std::string> random_bytes = SendRaw(std::string(2048, '\x00'));
  ASSERT_TRUE(random_bytes.ok()) << random_bytes.status();
  // Says nothing at all: cut off by the handshake timeout, not kept for the read timeout.
  absl::StatusOr<std::string> silent = SendRaw("");
  ASSERT_TRUE(silent.ok()) << silent.status();
  EXPECT_TRUE(silent->empty());

  absl::StatusOr<int> still_serving =
      CurlPost(ca_->cert_file(), "Live.CallbackAfterCreateRoom", "create_room.json");
  ASSERT_TRUE(still_serving.ok()) << still_serving.status();
  EXPECT_EQ(*still_serving, 200);
  absl::StatusOr<int> stopped = gateway_->Stop(SIGTERM, absl::Seconds(30));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(*stopped, 0);
}

}  // namespace
}  // namespace liveevents::testing
