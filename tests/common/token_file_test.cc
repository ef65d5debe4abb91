// Token files: trailing whitespace is not part of the token; empty or missing files are errors.
#include "common/token_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/temp_path.h"

namespace liveevents {
namespace {

std::string WriteFile(const std::string& content) {
  const std::string path = testing::UniqueTempPath("token");
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(TokenFileTest, TrailingWhitespaceIsTrimmedAndInnerBytesKept) {
  absl::StatusOr<std::string> token = ReadTokenFile(WriteFile(" a b\tc \r\n\n"));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, " a b\tc");
}

TEST(TokenFileTest, EmptyAndMissingFilesAreErrors) {
  EXPECT_EQ(ReadTokenFile(WriteFile(" \n")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadTokenFile(testing::UniqueTempPath("missing")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(TokenFileTest, BearerValue) { EXPECT_EQ(BearerMetadataValue("t"), "Bearer t"); }

}  // namespace
}  // namespace liveevents
