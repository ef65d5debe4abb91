// Per-test file paths, so that tests running in parallel (ctest -j, one process per test) never
// share a file: the path names the running test and the process.
#ifndef LIVEEVENTS_TESTS_TESTING_TEMP_PATH_H_
#define LIVEEVENTS_TESTS_TESTING_TEMP_PATH_H_

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace liveevents::testing {

// A path under the test temp dir unique to the running test (suite and name, with '/' from
// parameterised names replaced) and this process, ending in `name`. Call it from inside a test
// (or its fixture's SetUp).
inline std::string UniqueTempPath(absl::string_view name) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test_name =
      test == nullptr ? "no_test" : absl::StrCat(test->test_suite_name(), ".", test->name());
  return absl::StrCat(::testing::TempDir(), "/", absl::StrReplaceAll(test_name, {{"/", "_"}}), ".",
                      getpid(), ".", name);
}

}  // namespace liveevents::testing

#endif  // LIVEEVENTS_TESTS_TESTING_TEMP_PATH_H_
