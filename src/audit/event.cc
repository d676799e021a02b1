#include "audit/event.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <cstdio>

#include "base/strings.h"
#include "base/time.h"
#include "crypto/random.h"

namespace berth::audit {
namespace {

namespace json = boost::json;

bool Forbidden(std::string_view key) {
  for (std::string_view word :
       {"secret", "password", "token", "authorization", "layerpartblob", "signature", "downloadurl"}) {
    if (IContains(key, word)) return true;  // no lowered copy of the key: this runs per pull
  }
  return false;
}

// Event IDs in UUID form: a random per-process prefix and a counter, unique across nodes and
// restarts without asking the random generator per request.
std::string NextEventId() {
  static const std::string prefix = crypto::RandomHex(10);  // 20 hex digits
  static std::atomic<uint64_t> counter{0};
  char tail[13];
  std::snprintf(tail, sizeof tail, "%012llx",
                static_cast<unsigned long long>(counter.fetch_add(1) & 0xffffffffffffULL));
  return prefix.substr(0, 8) + "-" + prefix.substr(8, 4) + "-" + prefix.substr(12, 4) + "-" + prefix.substr(16, 4) +
         "-" + tail;
}

}  // namespace

void Scrub(json::object& o) {
  for (auto it = o.begin(); it != o.end();) {
    if (Forbidden(it->key())) {
      it = o.erase(it);
      continue;
    }
    // Bulk values (a pushed manifest) are summarised, so records stay small.
    if (it->value().is_string() && it->value().get_string().size() > 2048) {
      it->value() = "(" + std::to_string(it->value().get_string().size()) + " bytes)";
    }
    if (it->value().is_object()) Scrub(it->value().as_object());
    if (it->value().is_array()) {
      for (json::value& v : it->value().as_array()) {
        if (v.is_object()) Scrub(v.as_object());
      }
    }
    ++it;
  }
}

std::string ToJson(const Event& e, const std::string& account_id) {
  // Every object of the record is allocated from this frame's buffer and freed at once: a
  // record is written per pull, and a malloc per member cost a tenth of a manifest GET.
  alignas(16) unsigned char buffer[8192];
  json::monotonic_resource arena(buffer, sizeof buffer);
  const json::storage_ptr sp(&arena);
  json::object identity({{"type", e.identity.type}}, sp);
  if (!e.identity.principal_id.empty()) identity["principalId"] = e.identity.principal_id;
  if (!e.identity.arn.empty()) identity["arn"] = e.identity.arn;
  if (e.identity.type != "Anonymous") identity["accountId"] = account_id;
  if (!e.identity.access_key_id.empty()) identity["accessKeyId"] = e.identity.access_key_id;
  if (!e.identity.user_name.empty()) identity["userName"] = e.identity.user_name;
  json::object params(e.request_parameters, sp);
  Scrub(params);
  json::object out({{"eventVersion", "1.08"},
                    {"userIdentity", std::move(identity)},
                    {"eventTime", IsoTime(e.time_ms / 1000)},
                    {"eventSource", e.source},
                    {"eventName", e.name},
                    {"awsRegion", e.region},
                    {"sourceIPAddress", e.source_ip},
                    {"userAgent", e.user_agent}},
                   sp);
  out["requestParameters"] = params.empty() ? json::value(nullptr, sp) : json::value(std::move(params), sp);
  if (e.response_elements) {
    json::object response(*e.response_elements, sp);
    Scrub(response);
    out["responseElements"] = std::move(response);
  } else {
    out["responseElements"] = nullptr;
  }
  if (!e.error_code.empty()) {
    out["errorCode"] = e.error_code;
    out["errorMessage"] = e.error_message;
  }
  if (!e.resources.empty()) {
    json::array resources(sp);
    for (const auto& [type, arn] : e.resources) {
      resources.push_back(json::object({{"type", type}, {"ARN", arn}, {"accountId", account_id}}, sp));
    }
    out["resources"] = std::move(resources);
  }
  const std::string event_id = NextEventId();
  out["requestID"] = e.request_id.empty() ? event_id : e.request_id;
  out["eventID"] = event_id;
  out["readOnly"] = e.read_only;
  out["eventType"] = "AwsApiCall";
  out["managementEvent"] = true;
  out["recipientAccountId"] = account_id;
  // Milliseconds since the epoch, for lookups that order and page by time.
  out["eventTimeMs"] = e.time_ms;
  return json::serialize(out);
}

}  // namespace berth::audit
