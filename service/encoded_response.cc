#include "service/encoded_response.h"

#include <string>
#include <utility>
#include <vector>

namespace liveevents::service {

namespace {

// The tag of a length-delimited field, then the length, as protobuf's wire format has them.
void AppendFieldHeader(int field_number, uint64_t length, std::string& out) {
  out.push_back(static_cast<char>((field_number << 3) | 2));
  for (; length >= 0x80; length >>= 7) out.push_back(static_cast<char>((length & 0x7f) | 0x80));
  out.push_back(static_cast<char>(length));
}

// The slice owns the string: no copy of the bytes after serialization.
EncodedResponse Own(std::string* bytes) {
  grpc::Slice slice(
      bytes->data(), bytes->size(), [](void* owned) { delete static_cast<std::string*>(owned); },
      bytes);
  return std::make_shared<const grpc::ByteBuffer>(&slice, 1);
}

}  // namespace

EncodedResponse Encode(const v1::SubscribeResponse& response) {
  return Own(new std::string(response.SerializeAsString()));
}

EncodedResponse EncodeEvent(const v1::Event& event) {
  const size_t size = event.ByteSizeLong();
  auto* bytes = new std::string();
  bytes->reserve(size + 11);
  AppendFieldHeader(v1::SubscribeResponse::kEventFieldNumber, size, *bytes);
  event.AppendToString(bytes);
  return Own(bytes);
}

EncodedResponse EncodeBatch(absl::Span<const EncodedResponse> singles) {
  std::vector<grpc::Slice> slices(1);
  size_t length = 0;
  for (const EncodedResponse& single : singles) {
    std::vector<grpc::Slice> parts;
    single->Dump(&parts).IgnoreError();  // Fails only for an empty buffer, which has no parts.
    for (grpc::Slice& part : parts) slices.push_back(std::move(part));
    length += single->Length();
  }
  std::string header;
  AppendFieldHeader(v1::SubscribeResponse::kEventsFieldNumber, length, header);
  slices[0] = grpc::Slice(header);
  return std::make_shared<const grpc::ByteBuffer>(slices.data(), slices.size());
}

}  // namespace liveevents::service
