// MemoryEventStore against the EventStore contract shared by every store.
#include "service/store/memory_event_store.h"

#include <memory>

#include "gtest/gtest.h"
#include "tests/service/store/event_store_contract.h"

namespace liveevents::service::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, EventStoreContractTest,
                         ::testing::Values(EventStoreFactory{
                             "Memory", [] { return std::make_unique<MemoryEventStore>(); }}),
                         EventStoreFactoryName);

TEST(MemoryEventStoreTest, KindIsMemory) { EXPECT_EQ(MemoryEventStore().Kind(), "memory"); }

}  // namespace
}  // namespace liveevents::service::testing
