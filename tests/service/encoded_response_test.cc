// The hand-made encodings are exactly what protobuf would make: a SubscribeResponse with one
// event, and a batch of them, which a client parses like any other message.
#include "service/encoded_response.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::service {
namespace {

std::string Bytes(const EncodedResponse& response) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(response->Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

v1::Event NumberedEvent(int i, size_t body_size) {
  v1::Event event = testing::MakeCreateRoom(absl::StrCat("room-", i));
  event.set_revision(static_cast<uint64_t>(i));
  event.set_raw_body(std::string(body_size, 'x'));  // Lengths that need 1, 2 and 3 varint bytes.
  return event;
}

TEST(EncodedResponseTest, AnEventEncodesAsItsSubscribeResponse) {
  for (size_t body : {size_t{10}, size_t{300}, size_t{70000}}) {
    const v1::Event event = NumberedEvent(1, body);
    v1::SubscribeResponse response;
    *response.mutable_event() = event;
    EXPECT_EQ(Bytes(EncodeEvent(event)), response.SerializeAsString()) << body;
  }
}

TEST(EncodedResponseTest, ABatchParsesAsTheEventsInOrder) {
  std::vector<EncodedResponse> singles;
  std::vector<v1::Event> events;
  for (int i = 1; i <= 5; ++i) {
    events.push_back(NumberedEvent(i, i == 3 ? 70000 : 40));
    singles.push_back(EncodeEvent(events.back()));
  }
  v1::SubscribeResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(Bytes(EncodeBatch(singles))));
  ASSERT_TRUE(parsed.has_events());
  ASSERT_EQ(parsed.events().events_size(), 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(parsed.events().events(i).SerializeAsString(), events[i].SerializeAsString());
  }
}

}  // namespace
}  // namespace liveevents::service
