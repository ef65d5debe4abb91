#include "service/store/stored_event.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "absl/strings/str_cat.h"
#include "service/core/dedup_key.h"

namespace liveevents::service {
namespace {

using google::protobuf::internal::WireFormatLite;

bool IsDerivedField(uint32_t field_number) {
  return field_number == v1::Event::kRevisionFieldNumber ||
         field_number == v1::Event::kReceivedTimeMsFieldNumber ||
         field_number == v1::Event::kDedupKeyFieldNumber;
}

}  // namespace

std::string EncodeStoredEvent(const v1::Event& event) {
  // Serialized whole, then the derived fields cut out of the top level: cheaper than copying
  // the event (body and payload) to clear three fields of the copy.
  const std::string whole = event.SerializeAsString();
  std::string kept;
  kept.reserve(whole.size());
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const uint8_t*>(whole.data()),
                                               static_cast<int>(whole.size()));
  while (true) {
    const int start = input.CurrentPosition();
    const uint32_t tag = input.ReadTag();
    if (tag == 0) break;
    // Our own serialization: every field is well formed, so skipping cannot fail.
    if (!WireFormatLite::SkipField(&input, tag)) break;
    if (!IsDerivedField(WireFormatLite::GetTagFieldNumber(tag))) {
      kept.append(whole, start, input.CurrentPosition() - start);
    }
  }
  return kept;
}

absl::Status DecodeStoredEvent(absl::string_view bytes, uint64_t revision, int64_t received_ms,
                               v1::Event& event) {
  if (!event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat("the journal entry of revision ", revision, " is corrupt"));
  }
  event.set_revision(revision);
  event.set_received_time_ms(received_ms);
  event.set_dedup_key(ComputeDedupKey(event));
  return absl::OkStatus();
}

}  // namespace liveevents::service
