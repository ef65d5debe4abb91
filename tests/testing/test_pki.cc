#include "tests/testing/test_pki.h"

#include <stdio.h>
#include <sys/wait.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace liveevents::testing {
namespace {

// EC P-256 keys: generated in milliseconds, unlike RSA.
constexpr char kNewKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

std::string Quote(const std::string& text) { return absl::StrCat("'", text, "'"); }

}  // namespace

absl::StatusOr<std::string> RunShell(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("popen failed: ", command));
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("`", command, "` failed: ", output));
  }
  return output;
}

absl::StatusOr<TestCa> TestCa::Create(const std::string& dir, const std::string& name) {
  TestCa ca;
  ca.dir_ = dir;
  ca.name_ = name;
  ca.ca_ = {absl::StrCat(dir, "/", name, "-ca.crt"), absl::StrCat(dir, "/", name, "-ca.key")};
  // The default configuration's v3_ca section makes it a CA (basicConstraints CA:TRUE).
  absl::StatusOr<std::string> made = RunShell(absl::StrCat(
      "openssl req -x509 ", kNewKey, " -days 1 -subj ", Quote("/CN=" + name + " test CA"),
      " -keyout ", Quote(ca.ca_.key_file), " -out ", Quote(ca.ca_.cert_file)));
  if (!made.ok()) return made.status();
  return ca;
}

absl::StatusOr<KeyPair> TestCa::Issue(const std::string& name, const std::string& common_name,
                                      const std::vector<std::string>& sans) const {
  const std::string base = absl::StrCat(dir_, "/", name);
  KeyPair pair{base + ".crt", base + ".key"};
  {
    std::ofstream ext(base + ".ext");
    ext << "basicConstraints=CA:FALSE\n"
        << "keyUsage=critical,digitalSignature,keyAgreement\n"
        << "extendedKeyUsage=serverAuth,clientAuth\n";
    if (!sans.empty()) ext << "subjectAltName=" << absl::StrJoin(sans, ",") << "\n";
    if (!ext) return absl::InternalError(absl::StrCat("cannot write ", base, ".ext"));
  }
  absl::StatusOr<std::string> request =
      RunShell(absl::StrCat("openssl req -new ", kNewKey, " -subj ", Quote("/CN=" + common_name),
                            " -keyout ", Quote(pair.key_file), " -out ", Quote(base + ".csr")));
  if (!request.ok()) return request.status();
  absl::StatusOr<std::string> signed_cert = RunShell(absl::StrCat(
      "openssl x509 -req -days 1 -in ", Quote(base + ".csr"), " -CA ", Quote(ca_.cert_file),
      " -CAkey ", Quote(ca_.key_file), " -set_serial 0x", std::hash<std::string>()(base),
      " -extfile ", Quote(base + ".ext"), " -out ", Quote(pair.cert_file)));
  if (!signed_cert.ok()) return signed_cert.status();
  return pair;
}

}  // namespace liveevents::testing
