#include "gateway/tencent/query_params.h"

#include "absl/strings/match.h"

namespace liveevents::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Target SplitTarget(absl::string_view target) {
  const size_t question = target.find('?');
  if (question == absl::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

std::string PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

QueryParams QueryParams::Parse(absl::string_view query) {
  QueryParams result;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const absl::string_view pair = query.substr(0, amp);
    query = amp == absl::string_view::npos ? absl::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const absl::string_view key = pair.substr(0, eq);
    const absl::string_view value =
        eq == absl::string_view::npos ? absl::string_view() : pair.substr(eq + 1);
    result.params_.emplace_back(PercentDecode(key), PercentDecode(value));
  }
  return result;
}

std::optional<std::string> QueryParams::Get(absl::string_view key) const {
  for (const auto& [k, v] : params_) {
    if (absl::EqualsIgnoreCase(k, key)) return v;
  }
  return std::nullopt;
}

CallbackQuery ParseCallbackQuery(absl::string_view query) {
  const QueryParams params = QueryParams::Parse(query);
  CallbackQuery out;
  out.sdk_app_id = params.Get("SdkAppid").value_or("");
  // The 2025 overview renames the key to WebhookCommand; the samples still say CallbackCommand.
  out.command = params.Get("CallbackCommand").value_or(params.Get("WebhookCommand").value_or(""));
  out.client_ip = params.Get("ClientIP").value_or("");
  out.opt_platform = params.Get("OptPlatform").value_or("");
  out.sign = params.Get("Sign").value_or("");
  out.request_time = params.Get("RequestTime").value_or("");
  return out;
}

}  // namespace liveevents::gateway
