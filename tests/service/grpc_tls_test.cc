// The gRPC listener over TLS and mutual TLS (real loopback sockets, certificates made by the
// openssl CLI at test time): only the identities in --publishers may Publish, a forged Publish
// without a certificate or token is refused, and queries, Subscribe and health need neither.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/client_credentials.h"
#include "common/token_file.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/temp_path.h"
#include "tests/testing/test_pki.h"

namespace liveevents::testing {
namespace {

class GrpcTlsTest : public ServiceFixture {
 protected:
  void SetUp() override {
    dir_ = UniqueTempPath("pki");
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    absl::StatusOr<TestCa> ca = TestCa::Create(dir_, "test");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    absl::StatusOr<KeyPair> server = IssueLoopbackServer(*ca_, "server");
    ASSERT_TRUE(server.ok()) << server.status();
    server_pair_ = *server;
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  service::ServerOptions TlsOptions(bool mutual) {
    service::ServerOptions options;
    options.tls.cert_file = server_pair_.cert_file;
    options.tls.key_file = server_pair_.key_file;
    if (mutual) options.tls.client_ca_file = ca_->cert_file();
    return options;
  }

  KeyPair Client(const std::string& name, const std::string& cn,
                 const std::vector<std::string>& sans) {
    absl::StatusOr<KeyPair> pair = ca_->Issue(name, cn, sans);
    EXPECT_TRUE(pair.ok()) << pair.status();
    return pair.ok() ? *pair : KeyPair{};
  }

  // A channel to the server over loopback, verifying it against the test CA, presenting
  // `client` when given.
  std::shared_ptr<grpc::Channel> Channel(const KeyPair* client) {
    ClientTlsFiles files;
    files.ca_file = ca_->cert_file();
    if (client != nullptr) {
      files.cert_file = client->cert_file;
      files.key_file = client->key_file;
    }
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        MakeClientCredentials(files, "tls_");
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()), *credentials);
  }

  static grpc::Status PublishOn(grpc::Channel& channel, const std::string& room,
                                const std::string* token = nullptr) {
    auto stub = v1::LiveEvents::NewStub(std::shared_ptr<grpc::Channel>(&channel, [](auto*) {}));
    v1::PublishRequest request;
    *request.mutable_event() = MakeCreateRoom(room);
    v1::PublishResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (token != nullptr)
      context.AddMetadata(kAuthorizationMetadataKey, BearerMetadataValue(*token));
    return stub->Publish(&context, request, &response);
  }

  static grpc::Status PublishBatchOn(grpc::Channel& channel) {
    auto stub = v1::LiveEvents::NewStub(std::shared_ptr<grpc::Channel>(&channel, [](auto*) {}));
    v1::PublishBatchRequest request;
    *request.add_events() = MakeCreateRoom("batch-room");
    v1::PublishBatchResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub->PublishBatch(&context, request, &response);
  }

  static grpc::Status InfoOn(grpc::Channel& channel, v1::ServerInfo* info) {
    auto stub = v1::LiveEvents::NewStub(std::shared_ptr<grpc::Channel>(&channel, [](auto*) {}));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub->GetServerInfo(&context, v1::GetServerInfoRequest(), info);
  }

  uint64_t HeadRevision() {
    v1::ServerInfo info;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->GetServerInfo(&context, v1::GetServerInfoRequest(), &info).ok());
    return info.head_revision();
  }

  std::string dir_;
  std::optional<TestCa> ca_;
  KeyPair server_pair_;
};

TEST_F(GrpcTlsTest, ServerTlsWithTokenRefusesAForgedPublishAndAcceptsTheToken) {
  service::ServerOptions options = TlsOptions(/*mutual=*/false);
  options.publish_token = "s3cret";
  StartServer(options);
  auto channel = Channel(nullptr);
  EXPECT_EQ(PublishOn(*channel, "forged").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const std::string wrong = "guess";
  EXPECT_EQ(PublishOn(*channel, "forged", &wrong).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(HeadRevision(), 0u);
  const std::string token = "s3cret";
  const grpc::Status ok = PublishOn(*channel, "real", &token);
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(HeadRevision(), 1u);
}

TEST_F(GrpcTlsTest, PlaintextClientCannotTalkToTheTlsPort) {
  StartServer(TlsOptions(/*mutual=*/false));
  auto plaintext = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                       grpc::InsecureChannelCredentials());
  v1::ServerInfo info;
  EXPECT_EQ(InfoOn(*plaintext, &info).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(PublishOn(*plaintext, "forged").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(InfoOn(*Channel(nullptr), &info).ok());  // The server is fine.
}

TEST_F(GrpcTlsTest, OnlyListedClientCertificatesMayPublish) {
  service::ServerOptions options = TlsOptions(/*mutual=*/true);
  options.publishers = {"gateway.liveevents.test"};
  StartServer(options);
  const KeyPair gateway = Client("gateway", "ignored-cn", {"DNS:gateway.liveevents.test"});
  const KeyPair intruder = Client("intruder", "gateway.liveevents.test", {"DNS:intruder.test"});
  auto intruder_channel = Channel(&intruder);
  // The intruder's CN names a publisher, but a certificate with DNS names is judged by them.
  const grpc::Status denied = PublishOn(*intruder_channel, "forged");
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED) << denied.error_message();
  EXPECT_NE(denied.error_message().find("intruder.test"), std::string::npos);
  EXPECT_EQ(PublishBatchOn(*intruder_channel).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(HeadRevision(), 0u);

  auto gateway_channel = Channel(&gateway);
  const grpc::Status ok = PublishOn(*gateway_channel, "real");
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_TRUE(PublishBatchOn(*gateway_channel).ok());

  // Queries, Subscribe and health need no publisher identity.
  v1::ServerInfo info;
  ASSERT_TRUE(InfoOn(*intruder_channel, &info).ok());
  EXPECT_EQ(info.head_revision(), 2u);
  auto stub = v1::LiveEvents::NewStub(intruder_channel);
  v1::SubscribeRequest subscribe;
  subscribe.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
  Stream stream(*stub, subscribe);
  EXPECT_EQ(stream.NextEvents(2).size(), 2u);
  stream.Cancel();
  auto health = grpc::health::v1::Health::NewStub(intruder_channel);
  grpc::health::v1::HealthCheckResponse serving;
  grpc::ClientContext health_context;
  ASSERT_TRUE(health->Check(&health_context, {}, &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(GrpcTlsTest, CommonNameIdentifiesACertificateWithoutDnsNames) {
  service::ServerOptions options = TlsOptions(/*mutual=*/true);
  options.publishers = {"edge-gateway"};
  StartServer(options);
  const KeyPair gateway = Client("gateway", "edge-gateway", {});
  const grpc::Status ok = PublishOn(*Channel(&gateway), "real");
  EXPECT_TRUE(ok.ok()) << ok.error_message();
}

TEST_F(GrpcTlsTest, RequiredClientCertificateKeepsOutClientsWithoutOne) {
  service::ServerOptions options = TlsOptions(/*mutual=*/true);
  options.publishers = {"gateway.liveevents.test"};
  StartServer(options);
  v1::ServerInfo info;
  EXPECT_EQ(InfoOn(*Channel(nullptr), &info).error_code(), grpc::StatusCode::UNAVAILABLE);
  // A certificate from another CA is refused at the handshake.
  absl::StatusOr<TestCa> other = TestCa::Create(dir_, "other");
  ASSERT_TRUE(other.ok()) << other.status();
  absl::StatusOr<KeyPair> stranger = other->Issue("stranger", "x", {"DNS:gateway.liveevents.test"});
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  EXPECT_EQ(PublishOn(*Channel(&*stranger), "forged").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(HeadRevision(), 0u);
}

TEST_F(GrpcTlsTest, OptionalClientCertificateLetsSubscribersInButNotPublishers) {
  service::ServerOptions options = TlsOptions(/*mutual=*/true);
  options.tls.require_client_cert = false;
  options.publishers = {"gateway.liveevents.test"};
  StartServer(options);
  auto anonymous = Channel(nullptr);
  v1::ServerInfo info;
  EXPECT_TRUE(InfoOn(*anonymous, &info).ok());
  const grpc::Status refused = PublishOn(*anonymous, "forged");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED) << refused.error_message();
  EXPECT_EQ(HeadRevision(), 0u);
}

TEST_F(GrpcTlsTest, CertificateAndTokenAreBothNeededWhenBothAreConfigured) {
  service::ServerOptions options = TlsOptions(/*mutual=*/true);
  options.publishers = {"gateway.liveevents.test"};
  options.publish_token = "s3cret";
  StartServer(options);
  const KeyPair gateway = Client("gateway", "gateway", {"DNS:gateway.liveevents.test"});
  auto channel = Channel(&gateway);
  EXPECT_EQ(PublishOn(*channel, "no-token").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const std::string token = "s3cret";
  EXPECT_TRUE(PublishOn(*channel, "both", &token).ok());
}

TEST_F(GrpcTlsTest, InconsistentSettingsFailAtStart) {
  service::ServerOptions publishers_without_ca = TlsOptions(/*mutual=*/false);
  publishers_without_ca.publishers = {"gateway"};
  service::ServerOptions key_without_cert;
  key_without_cert.tls.key_file = server_pair_.key_file;
  service::ServerOptions ca_without_tls;
  ca_without_tls.tls.client_ca_file = ca_->cert_file();
  service::ServerOptions missing_file = TlsOptions(/*mutual=*/false);
  missing_file.tls.cert_file = dir_ + "/nothing.crt";
  for (service::ServerOptions options :
       {publishers_without_ca, key_without_cert, ca_without_tls, missing_file}) {
    options.grpc_address = "127.0.0.1:0";
    auto server = service::Server::Start(options, std::make_unique<service::MemoryEventStore>());
    EXPECT_FALSE(server.ok());
  }
  missing_file.grpc_address = "127.0.0.1:0";
  auto server = service::Server::Start(missing_file, std::make_unique<service::MemoryEventStore>());
  EXPECT_NE(server.status().message().find("--grpc_tls_cert_file"), std::string::npos)
      << server.status();
}

}  // namespace
}  // namespace liveevents::testing
