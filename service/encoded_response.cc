#include "service/encoded_response.h"

#include <string>
#include <utility>

namespace liveevents::service {

EncodedResponse Encode(const v1::SubscribeResponse& response) {
  // The slice owns the string: no copy of the bytes after serialization.
  auto* bytes = new std::string(response.SerializeAsString());
  grpc::Slice slice(
      bytes->data(), bytes->size(), [](void* owned) { delete static_cast<std::string*>(owned); },
      bytes);
  return std::make_shared<const grpc::ByteBuffer>(&slice, 1);
}

}  // namespace liveevents::service
