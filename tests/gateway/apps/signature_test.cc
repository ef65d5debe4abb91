// Tencent's callback Sign check (https://trtc.io/document/64412): the documented vector, every
// rejection, and the exact-text hashing of RequestTime.
#include "gateway/apps/signature.h"

#include <string>

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"

namespace liveevents::gateway {
namespace {

constexpr char kToken[] = "xxxxyyyy";
constexpr char kTime[] = "1669872112";
constexpr char kSign[] = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061";
const absl::Time kNow = absl::FromUnixSeconds(1669872112);
const absl::Duration kSkew = absl::Seconds(60);

absl::Status Verify(absl::string_view sign, absl::string_view time, absl::Time now = kNow) {
  return VerifyCallbackSignature(kToken, SignedRequest{sign, time}, now, kSkew);
}

TEST(SignatureTest, ComputesTheDocumentedVector) {
  EXPECT_EQ(ComputeCallbackSign(kToken, kTime), kSign);
}

TEST(SignatureTest, AcceptsTheDocumentedVector) { EXPECT_TRUE(Verify(kSign, kTime).ok()); }

TEST(SignatureTest, AcceptsUppercaseHex) {
  EXPECT_TRUE(Verify(absl::AsciiStrToUpper(kSign), kTime).ok());
}

TEST(SignatureTest, RejectsWrongSign) {
  std::string wrong = kSign;
  wrong.back() = '0';
  const absl::Status status = Verify(wrong, kTime);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(status.message(), "Sign does not match");
  // Not hex, or the wrong length: also a mismatch, never a crash.
  EXPECT_EQ(Verify("zz", kTime).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Verify(std::string(64, 'g'), kTime).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Verify(std::string(kSign) + "00", kTime).code(), absl::StatusCode::kPermissionDenied);
}

TEST(SignatureTest, RejectsSignMadeWithAnotherToken) {
  const absl::Status status = VerifyCallbackSignature("xxxyyy", SignedRequest{kSign, kTime}, kNow,
                                                      kSkew);  // The intl page's misprint.
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
}

TEST(SignatureTest, RejectsMissingSignOrRequestTime) {
  const absl::Status no_sign = Verify("", kTime);
  EXPECT_EQ(no_sign.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(no_sign.message(), "Sign is missing");
  const absl::Status no_time = Verify(kSign, "");
  EXPECT_EQ(no_time.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(no_time.message(), "RequestTime is missing");
}

TEST(SignatureTest, AcceptsTheEdgesOfTheWindow) {
  EXPECT_TRUE(Verify(kSign, kTime, kNow + absl::Seconds(60)).ok());
  EXPECT_TRUE(Verify(kSign, kTime, kNow - absl::Seconds(60)).ok());
}

TEST(SignatureTest, RejectsStaleRequestTime) {
  const absl::Status status = Verify(kSign, kTime, kNow + absl::Seconds(61));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(), "RequestTime is 61 s in the past (max 60 s)");
}

TEST(SignatureTest, RejectsFutureRequestTime) {
  const absl::Status status = Verify(kSign, kTime, kNow - absl::Seconds(61));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(), "RequestTime is 61 s in the future (max 60 s)");
}

TEST(SignatureTest, RejectsNonNumericRequestTime) {
  // Correctly signed, so the failure is the time itself, not the Sign.
  for (const std::string time : {"abc", "-1669872112", "+1669872112", " 1669872112", "1669872112.5",
                                 "99999999999999999999"}) {
    SCOPED_TRACE(time);
    const absl::Status status = Verify(ComputeCallbackSign(kToken, time), time);
    EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
    EXPECT_NE(status.message().find("not a Unix time in seconds"), absl::string_view::npos);
  }
}

TEST(SignatureTest, RejectsMillisecondsAsFarFuture) {
  const std::string ms = "1669872112000";
  const absl::Status status = Verify(ComputeCallbackSign(kToken, ms), ms);
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
}

TEST(SignatureTest, HashesTheExactRequestTimeText) {
  // The same instant with a leading zero is different text, hence a different Sign.
  const std::string padded = "01669872112";
  EXPECT_NE(ComputeCallbackSign(kToken, padded), kSign);
  EXPECT_EQ(Verify(kSign, padded).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Verify(ComputeCallbackSign(kToken, padded), padded).ok());
}

TEST(SignatureTest, ChecksTheSignBeforeTheTime) {
  // A forged request learns "Sign does not match", not how far off the clock is.
  EXPECT_EQ(Verify("00", kTime, kNow + absl::Hours(1)).code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace liveevents::gateway
