#include "api/ecr/paging.h"

#include "crypto/random.h"

namespace berth::api::ecr {
namespace {
constexpr std::string_view kTokenPrefix = "berth-page:";
}

std::string EncodeToken(std::string_view last_key) {
  return crypto::Base64Encode(std::string(kTokenPrefix) + std::string(last_key));
}

Result<Page> ParsePage(const boost::json::object& input, size_t default_limit) {
  Page page{default_limit, {}};
  if (const boost::json::value* max = input.if_contains("maxResults"); max != nullptr && max->is_int64()) {
    page.limit = static_cast<size_t>(max->get_int64());
  }
  if (const boost::json::value* token = input.if_contains("nextToken"); token != nullptr && token->is_string()) {
    std::optional<std::string> decoded = crypto::Base64Decode(token->get_string());
    if (!decoded || !decoded->starts_with(kTokenPrefix)) {
      return Fail(Code::kInvalidArgument, "Invalid parameter at 'nextToken': not a token this registry issued",
                  "InvalidParameterException");
    }
    page.after = decoded->substr(kTokenPrefix.size());
  }
  return page;
}

}  // namespace berth::api::ecr
