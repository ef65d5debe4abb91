// A shared value stays as it was shared; changes copy it only while it is shared.
#include "service/core/copy_on_write.h"

#include <gtest/gtest.h>

#include <string>

namespace liveevents::service {
namespace {

TEST(CopyOnWriteTest, AShareKeepsItsValueWhenTheOwnerChangesIt) {
  CopyOnWrite<std::string> value(std::string("before"));
  std::shared_ptr<const std::string> share = value.Share();
  value.Mutable() = "after";
  EXPECT_EQ(*share, "before");
  EXPECT_EQ(*value, "after");
}

TEST(CopyOnWriteTest, CopiesOnlyWhileShared) {
  CopyOnWrite<std::string> value(std::string("v"));
  const std::string* unshared = &value.Mutable();
  EXPECT_EQ(&value.Mutable(), unshared);  // Nobody holds it: changed in place.
  {
    std::shared_ptr<const std::string> share = value.Share();
    EXPECT_NE(&value.Mutable(), share.get());
  }
  const std::string* again = &value.Mutable();
  EXPECT_EQ(&value.Mutable(), again);  // The share is gone: in place again.
}

}  // namespace
}  // namespace liveevents::service
