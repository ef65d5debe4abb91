#include "client/event_json.h"

#include <google/protobuf/util/json_util.h>

namespace liveevents::client {

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool print_defaults) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = print_defaults;
  options.add_whitespace = false;  // One object per line is what makes the output greppable.
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    // Protobuf 3.21 has its own Status type; its codes share absl's numbering.
    return absl::Status(static_cast<absl::StatusCode>(status.code()),
                        std::string(status.message()));
  }
  return out;
}

}  // namespace liveevents::client
