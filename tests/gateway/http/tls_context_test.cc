// ReloadableTlsContext: loads a certificate and key into a TLS 1.2+ server context, refuses bad
// or mismatched files naming them, and on reload either swaps in a new context or keeps serving
// the previous one.
#include "gateway/http/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/temp_path.h"
#include "tests/testing/test_pki.h"

namespace liveevents::gateway {
namespace {

using liveevents::testing::KeyPair;
using liveevents::testing::TestCa;

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = liveevents::testing::UniqueTempPath("pki");
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    absl::StatusOr<TestCa> ca = TestCa::Create(dir_, "test");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    first_ = Issue("first");
    second_ = Issue("second");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  KeyPair Issue(const std::string& name) {
    absl::StatusOr<KeyPair> pair = liveevents::testing::IssueLoopbackServer(*ca_, name);
    EXPECT_TRUE(pair.ok()) << pair.status();
    return pair.ok() ? *pair : KeyPair{};
  }

  static void Copy(const std::string& from, const std::string& to) {
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  }

  std::string dir_;
  std::optional<TestCa> ca_;
  KeyPair first_, second_;
};

TEST_F(TlsContextTest, LoadsTls12AndNewerOnly) {
  auto context = LoadServerTlsContext(first_.cert_file, first_.key_file);
  ASSERT_TRUE(context.ok()) << context.status();
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*context)->native_handle()), TLS1_2_VERSION);
}

TEST_F(TlsContextTest, BadFilesAreRefusedNamingTheFlagAndFile) {
  const std::string missing = dir_ + "/missing.crt";
  auto no_cert = ReloadableTlsContext::Create(missing, first_.key_file);
  ASSERT_FALSE(no_cert.ok());
  EXPECT_NE(no_cert.status().message().find("--tls_cert_file " + missing), std::string::npos)
      << no_cert.status();
  auto mismatched = ReloadableTlsContext::Create(first_.cert_file, second_.key_file);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("mismatch"), std::string::npos)
      << mismatched.status();
  const std::string garbage = dir_ + "/garbage.key";
  std::ofstream(garbage) << "-----BEGIN PRIVATE KEY-----\nnot base64\n";
  auto bad_key = ReloadableTlsContext::Create(first_.cert_file, garbage);
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.status().message().find("--tls_key_file"), std::string::npos);
}

TEST_F(TlsContextTest, ReloadSwapsTheContextOrKeepsThePreviousOne) {
  const std::string cert = dir_ + "/live.crt";
  const std::string key = dir_ + "/live.key";
  Copy(first_.cert_file, cert);
  Copy(first_.key_file, key);
  auto created = ReloadableTlsContext::Create(cert, key);
  ASSERT_TRUE(created.ok()) << created.status();
  ReloadableTlsContext& tls = **created;
  const auto original = tls.Get();

  // Half-way through a rotation (new certificate, old key): refused ("key values mismatch"),
  // the old context serves on.
  Copy(second_.cert_file, cert);
  EXPECT_FALSE(tls.Reload().ok());
  EXPECT_EQ(tls.Get(), original);

  Copy(second_.key_file, key);
  ASSERT_TRUE(tls.Reload().ok());
  EXPECT_NE(tls.Get(), original);
  auto second = LoadServerTlsContext(second_.cert_file, second_.key_file);
  ASSERT_TRUE(second.ok()) << second.status();
  X509* leaf = SSL_CTX_get0_certificate(tls.Get()->native_handle());
  X509* expected = SSL_CTX_get0_certificate((*second)->native_handle());
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(X509_cmp(leaf, expected), 0);
}

}  // namespace
}  // namespace liveevents::gateway
