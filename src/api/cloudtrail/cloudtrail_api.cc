#include "api/cloudtrail/cloudtrail_api.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>

#include "api/ecr/ecr_api.h"
#include "api/signed_request.h"
#include "async/blocking.h"
#include "audit/lookup.h"
#include "http/body.h"

namespace berth::api::cloudtrail {
namespace {

namespace json = boost::json;

std::unexpected<Error> Invalid(std::string message, std::string_view type = "InvalidParameterException") {
  return Fail(Code::kInvalidArgument, std::move(message), type);
}

// CloudTrail's timestamps arrive as epoch seconds (JSON 1.1), possibly fractional.
Result<std::optional<int64_t>> Time(const json::object& in, std::string_view key) {
  const json::value* v = in.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<int64_t>();
  if (v->is_int64()) return std::optional<int64_t>(v->get_int64() * 1000);
  if (v->is_uint64()) return std::optional<int64_t>(static_cast<int64_t>(v->get_uint64()) * 1000);
  if (v->is_double()) return std::optional<int64_t>(static_cast<int64_t>(std::llround(v->get_double() * 1000)));
  return Invalid(std::string(key) + " must be a timestamp");
}

Result<audit::LookupQuery> ParseQuery(const json::object& in) {
  audit::LookupQuery q;
  if (const json::value* attrs = in.if_contains("LookupAttributes"); attrs != nullptr && !attrs->is_null()) {
    if (!attrs->is_array()) return Invalid("LookupAttributes must be a list", "InvalidLookupAttributesException");
    if (attrs->get_array().size() > 1) {
      return Invalid("You can specify only one lookup attribute", "InvalidLookupAttributesException");
    }
    if (!attrs->get_array().empty()) {
      const json::value& a = attrs->get_array()[0];
      const json::value* key = a.is_object() ? a.get_object().if_contains("AttributeKey") : nullptr;
      const json::value* value = a.is_object() ? a.get_object().if_contains("AttributeValue") : nullptr;
      if (key == nullptr || value == nullptr || !key->is_string() || !value->is_string() ||
          value->get_string().empty() || value->get_string().size() > 2000) {
        return Invalid("a lookup attribute needs AttributeKey and AttributeValue (1-2000 characters)",
                       "InvalidLookupAttributesException");
      }
      q.attribute_key = key->get_string();
      q.attribute_value = value->get_string();
    }
  }
  BERTH_ASSIGN(q.start_ms, Time(in, "StartTime"));
  BERTH_ASSIGN(q.end_ms, Time(in, "EndTime"));
  if (q.start_ms && q.end_ms && *q.start_ms > *q.end_ms) {
    return Invalid("StartTime must be before EndTime", "InvalidTimeRangeException");
  }
  if (const json::value* max = in.if_contains("MaxResults"); max != nullptr && !max->is_null()) {
    if (!max->is_int64() || max->get_int64() < 1 || max->get_int64() > 50) {
      return Invalid("MaxResults must be between 1 and 50", "InvalidMaxResultsException");
    }
    q.max_results = static_cast<size_t>(max->get_int64());
  }
  if (const json::value* token = in.if_contains("NextToken"); token != nullptr && token->is_string()) {
    q.next_token = token->get_string();
  }
  return q;
}

json::object EventJson(const json::object& r) {
  auto str = [&r](std::string_view k) { return JsonString(r, k); };
  json::array resources;
  if (const json::value* res = r.if_contains("resources"); res != nullptr && res->is_array()) {
    for (const json::value& x : res->get_array()) {
      if (!x.is_object()) continue;
      const json::object& o = x.get_object();
      resources.push_back(json::object{{"ResourceType", o.contains("type") ? o.at("type") : json::value("")},
                                       {"ResourceName", o.contains("ARN") ? o.at("ARN") : json::value("")}});
    }
  }
  const json::value* identity = r.if_contains("userIdentity");
  const json::value* key = identity != nullptr && identity->is_object() ? identity->get_object().if_contains("accessKeyId")
                                                                         : nullptr;
  const json::value* ms = r.if_contains("eventTimeMs");
  const json::value* ro = r.if_contains("readOnly");
  json::object out{{"EventId", str("eventID")},
                   {"EventName", str("eventName")},
                   {"ReadOnly", ro != nullptr && ro->is_bool() && ro->get_bool() ? "true" : "false"},
                   {"EventTime", ms != nullptr && ms->is_int64() ? static_cast<double>(ms->get_int64()) / 1000.0 : 0.0},
                   {"EventSource", str("eventSource")},
                   {"Username", audit::UserNameOf(r)},
                   {"Resources", resources},
                   {"CloudTrailEvent", json::serialize(r)}};
  if (key != nullptr && key->is_string()) out["AccessKeyId"] = *key;
  return out;
}

}  // namespace

CloudTrailApi::CloudTrailApi(auth::Authenticator& authenticator, AccessControl& access, Auditor& auditor,
                             boost::asio::thread_pool& blocking, std::string region, std::function<int64_t()> clock)
    : authenticator_(authenticator), access_(access), auditor_(auditor), blocking_(blocking),
      region_(std::move(region)), clock_(std::move(clock)) {}

bool CloudTrailApi::Claims(const http::Request& req) {
  return req.path() == "/" && req.Header("X-Amz-Target").value_or("").starts_with(kTargetPrefix);
}

http::Task<http::Response> CloudTrailApi::Handle(http::Request& req) {
  using ecr::ErrorResponse;
  const std::string_view op = req.Header("X-Amz-Target").value_or("").substr(kTargetPrefix.size());
  if (op != "LookupEvents") {
    co_return ErrorResponse(Error(Code::kInvalidArgument, "CloudTrail's " + std::string(op.substr(0, 100)) +
                                                              " is not served here; LookupEvents is",
                                  "UnsupportedOperationException"));
  }
  Result<std::string> body = co_await http::ReadWholeBody(req, 64 * 1024);
  if (!body) co_return ErrorResponse(Error(Code::kInvalidArgument, "request body too large", "SerializationException"));
  auth::Principal principal = authenticator_.Anonymous();
  if (!authenticator_.anonymous()) {
    Result<auth::Principal> who = AuthenticateSigned(req, *body, authenticator_, region_, "cloudtrail",
                                                     {"host", "x-amz-date", "x-amz-target"}, clock_());
    if (!who) co_return ErrorResponse(who.error());
    principal = *who;
  }
  if (Status allowed = access_.Require(principal, "cloudtrail:LookupEvents", "*", req); !allowed) {
    co_return ErrorResponse(Error(Code::kPermissionDenied, allowed.error().message(), "AccessDeniedException"));
  }
  boost::system::error_code ec;
  json::value input = body->empty() ? json::value(json::object()) : json::parse(*body, ec);
  if (ec || !input.is_object()) {
    co_return ErrorResponse(Error(Code::kInvalidArgument, "the body is not a JSON object", "SerializationException"));
  }
  Result<audit::LookupQuery> query = ParseQuery(input.as_object());
  if (!query) co_return ErrorResponse(query.error());
  if (auditor_.trail() == nullptr) {
    co_return ErrorResponse(Error(Code::kFailedPrecondition, "the audit trail is off on this node (--no-audit)",
                                  "OperationNotPermittedException"));
  }
  audit::Trail& trail = *auditor_.trail();
  Result<audit::LookupResult> found = co_await async::RunBlocking(blocking_, [&] {
    trail.Flush();
    return audit::Lookup(trail.Files(), *query);
  });
  if (!found) co_return ErrorResponse(found.error());
  json::array events;
  for (const json::object& r : found->events) events.push_back(EventJson(r));
  json::object out{{"Events", events}};
  if (!found->next_token.empty()) out["NextToken"] = found->next_token;
  http::Response r{.status = 200, .body = json::serialize(out), .route = "cloudtrail"};
  r.Set("Content-Type", "application/x-amz-json-1.1");
  co_return r;
}

}  // namespace berth::api::cloudtrail
