#include "audit/lookup.h"

#include "base/json.h"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <tuple>

namespace berth::audit {
namespace {

namespace json = boost::json;

int64_t Millis(const json::object& o) {
  const json::value* v = o.if_contains("eventTimeMs");
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

bool Matches(const json::object& r, const LookupQuery& q) {
  if (q.attribute_key.empty()) return true;
  const std::string& want = q.attribute_value;
  const json::object* identity = r.if_contains("userIdentity") ? r.at("userIdentity").if_object() : nullptr;
  if (q.attribute_key == "EventId") return JsonString(r, "eventID") == want;
  if (q.attribute_key == "EventName") return JsonString(r, "eventName") == want;
  if (q.attribute_key == "EventSource") return JsonString(r, "eventSource") == want;
  if (q.attribute_key == "ReadOnly") {
    const json::value* ro = r.if_contains("readOnly");
    return ro != nullptr && ro->is_bool() && (ro->get_bool() ? "true" : "false") == want;
  }
  if (q.attribute_key == "Username") return UserNameOf(r) == want;
  if (q.attribute_key == "AccessKeyId") return identity != nullptr && JsonString(*identity, "accessKeyId") == want;
  if (q.attribute_key == "ResourceType" || q.attribute_key == "ResourceName") {
    const json::value* resources = r.if_contains("resources");
    if (resources == nullptr || !resources->is_array()) return false;
    for (const json::value& res : resources->get_array()) {
      if (!res.is_object()) continue;
      const std::string arn = JsonString(res.get_object(), "ARN");
      if (q.attribute_key == "ResourceType" && JsonString(res.get_object(), "type") == want) return true;
      // A repository is found by its ARN or by its name.
      if (q.attribute_key == "ResourceName" &&
          (arn == want || (arn.size() > want.size() && arn.ends_with("/" + want) &&
                           arn.substr(0, arn.size() - want.size()).ends_with(":repository/")))) {
        return true;
      }
    }
    return false;
  }
  return false;
}

}  // namespace

std::string UserNameOf(const json::object& record) {
  const json::value* identity = record.if_contains("userIdentity");
  if (identity == nullptr || !identity->is_object()) return {};
  if (JsonString(identity->get_object(), "type") == "Root") return "root";
  return JsonString(identity->get_object(), "userName");
}

Result<LookupResult> Lookup(const std::vector<std::string>& files, const LookupQuery& q) {
  static constexpr std::array<std::string_view, 8> kKeys = {"EventId", "EventName", "ReadOnly", "Username",
                                                           "ResourceType", "ResourceName", "EventSource",
                                                           "AccessKeyId"};
  if (!q.attribute_key.empty() && std::find(kKeys.begin(), kKeys.end(), q.attribute_key) == kKeys.end()) {
    return Fail(Code::kInvalidArgument, "unknown lookup attribute " + q.attribute_key.substr(0, 50),
                "InvalidLookupAttributesException");
  }
  // The token is the position of the last event returned: "<ms>/<eventID>".
  std::optional<std::pair<int64_t, std::string>> after;
  if (!q.next_token.empty()) {
    size_t slash = q.next_token.find('/');
    char* end = nullptr;
    const long long ms = slash == std::string::npos ? 0 : std::strtoll(q.next_token.c_str(), &end, 10);
    if (slash == std::string::npos || end != q.next_token.c_str() + slash) {
      return Fail(Code::kInvalidArgument, "invalid NextToken", "InvalidNextTokenException");
    }
    after = std::make_pair(static_cast<int64_t>(ms), q.next_token.substr(slash + 1));
  }
  using Key = std::tuple<int64_t, std::string>;  // newest first: larger keys first
  std::vector<std::pair<Key, json::object>> found;
  for (const std::string& path : files) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      if (ec || !v.is_object()) continue;  // a torn last line after a crash
      json::object& r = v.as_object();
      const int64_t ms = Millis(r);
      if (q.start_ms && ms < *q.start_ms) continue;
      if (q.end_ms && ms > *q.end_ms) continue;
      Key key{ms, JsonString(r, "eventID")};
      if (after && !(key < Key{after->first, after->second})) continue;
      if (!Matches(r, q)) continue;
      found.emplace_back(std::move(key), std::move(r));
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  LookupResult result;
  for (auto& [key, record] : found) {
    if (result.events.size() == q.max_results) {
      const auto& last = found[result.events.size() - 1].first;
      result.next_token = std::to_string(std::get<0>(last)) + "/" + std::get<1>(last);
      break;
    }
    result.events.push_back(std::move(record));
  }
  return result;
}

}  // namespace berth::audit
