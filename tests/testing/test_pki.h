// Certificates for TLS tests, made at test time with the openssl CLI in the test's own folder:
// nothing checked in, so no private key in the repository and no expiry to trip over later.
#ifndef LIVEEVENTS_TESTS_TESTING_TEST_PKI_H_
#define LIVEEVENTS_TESTS_TESTING_TEST_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace liveevents::testing {

struct KeyPair {
  std::string cert_file;  // PEM certificate.
  std::string key_file;   // PEM (PKCS#8, P-256) private key.
};

// A throwaway certificate authority in `dir`, valid for a day.
class TestCa {
 public:
  // Creates dir/<name>-ca.crt and its key (the folder must exist).
  static absl::StatusOr<TestCa> Create(const std::string& dir, const std::string& name);

  // A leaf certificate signed by this CA, usable for TLS servers and clients, with subject
  // CN=`common_name` and subject alternative names `sans` ("DNS:localhost", "IP:127.0.0.1";
  // none when empty). Files dir/<name>.crt and .key.
  absl::StatusOr<KeyPair> Issue(const std::string& name, const std::string& common_name,
                                const std::vector<std::string>& sans) const;

  const std::string& cert_file() const { return ca_.cert_file; }

 private:
  std::string dir_;
  std::string name_;
  KeyPair ca_;
};

// A server certificate for loopback: CN=localhost, SANs DNS:localhost and IP:127.0.0.1.
inline absl::StatusOr<KeyPair> IssueLoopbackServer(const TestCa& ca, const std::string& name) {
  return ca.Issue(name, "localhost", {"DNS:localhost", "IP:127.0.0.1"});
}

// Runs a shell command line to completion; its stdout and stderr, or an error with them when it
// exits non-zero.
absl::StatusOr<std::string> RunShell(const std::string& command);

}  // namespace liveevents::testing

#endif  // LIVEEVENTS_TESTS_TESTING_TEST_PKI_H_
