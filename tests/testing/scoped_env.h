// Sets an environment variable for one test (children it starts inherit it) and removes it
// afterwards.
#ifndef LIVEEVENTS_TESTS_TESTING_SCOPED_ENV_H_
#define LIVEEVENTS_TESTS_TESTING_SCOPED_ENV_H_

#include <cstdlib>
#include <string>

namespace liveevents::testing {

class ScopedEnv {
 public:
  ScopedEnv(const std::string& name, const std::string& value) : name_(name) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_.c_str()); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
};

}  // namespace liveevents::testing

#endif  // LIVEEVENTS_TESTS_TESTING_SCOPED_ENV_H_
