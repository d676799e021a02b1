#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include "api/ecr/ecr_api.h"
#include "api/ecr/paging.h"
#include "async/blocking.h"
#include "crypto/random.h"
#include "oci/digest.h"
#include "replication/replicator.h"
#include "scan/pull_gate.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

struct AccountSetting {
  std::string_view name;
  std::string_view default_value;
  std::vector<std::string_view> allowed;  // empty: checked by scan::ParseBlockExceptions
};

// The settings Berth honours: BLOB_MOUNTING governs cross-repository mounts on /v2/, the
// BERTH_PULL_BLOCK_* ones refuse pulls of vulnerable images (scan/pull_gate.h); the others are
// recorded for clients that read them back.
const std::array<AccountSetting, 5> kSettings = {{
    {"BLOB_MOUNTING", "ENABLED", {"ENABLED", "DISABLED"}},
    {"BASIC_SCAN_TYPE_VERSION", "AWS_NATIVE", {"AWS_NATIVE", "CLAIR"}},
    {"REGISTRY_POLICY_SCOPE", "V2", {"V1", "V2"}},
    {scan::kPullBlockSeveritySetting, "NONE", {"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"}},
    {scan::kPullBlockExceptionsSetting, "", {}},
}};

Result<const AccountSetting*> FindSetting(std::string_view name) {
  for (const AccountSetting& s : kSettings) {
    if (s.name == name) return &s;
  }
  return Fail(Code::kInvalidArgument,
              "Invalid parameter at 'name': " + std::string(name.substr(0, 64)) +
                  " is not an account setting (BLOB_MOUNTING, BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE, "
                  "BERTH_PULL_BLOCK_SEVERITY, BERTH_PULL_BLOCK_EXCEPTIONS)",
              "InvalidParameterException");
}

}  // namespace

http::Task<EcrApi::Output> EcrApi::GetAuthorizationToken(const Call& call) {
  std::vector<std::string> registries;
  if (const json::value* ids = call.input.if_contains("registryIds")) {
    for (const json::value& id : ids->as_array()) {
      if (id.as_string() != options_.account_id) {
        co_return Fail(Code::kInvalidArgument, "registryId " + std::string(id.as_string()) + " is not this registry",
                       "InvalidParameterException");
      }
      registries.emplace_back(id.as_string());
    }
  }
  if (registries.empty()) registries.push_back(options_.account_id);
  const int64_t expires = clock_() + options_.token_ttl_seconds;
  const std::string token = crypto::Base64Encode("AWS:" + authenticator_.IssueToken(call.principal, expires));
  json::array data;
  for (size_t i = 0; i < registries.size(); ++i) {
    data.push_back(json::object{{"authorizationToken", token}, {"expiresAt", expires},
                                {"proxyEndpoint", options_.external_url}});
  }
  co_return json::object{{"authorizationData", data}};
}

http::Task<EcrApi::Output> EcrApi::DescribeRegistry(const Call&) {
  BERTH_CO_ASSIGN(replication::Configuration config, replication::LoadConfiguration(meta_));
  co_return json::object{{"registryId", options_.account_id},
                         {"replicationConfiguration", replication::ConfigurationJson(config)}};
}

http::Task<EcrApi::Output> EcrApi::GetAccountSetting(const Call& call) {
  BERTH_CO_ASSIGN(const AccountSetting* setting, FindSetting(JsonStringView(call.input, "name")));
  BERTH_CO_ASSIGN(std::optional<std::string> value, meta_.GetSetting(setting->name));
  co_return json::object{{"name", setting->name}, {"value", value ? *value : std::string(setting->default_value)}};
}

http::Task<EcrApi::Output> EcrApi::PutAccountSetting(const Call& call) {
  BERTH_CO_ASSIGN(const AccountSetting* setting, FindSetting(JsonStringView(call.input, "name")));
  std::string value(JsonStringView(call.input, "value"));
  if (setting->allowed.empty()) {
    if (Result<std::set<std::string>> ids = scan::ParseBlockExceptions(value); !ids) {
      co_return Fail(Code::kInvalidArgument, "Invalid parameter at 'value': " + ids.error().message(),
                     "InvalidParameterException");
    }
  } else if (std::find(setting->allowed.begin(), setting->allowed.end(), value) == setting->allowed.end()) {
    std::string choices;
    for (std::string_view a : setting->allowed) choices += (choices.empty() ? "" : ", ") + std::string(a);
    co_return Fail(Code::kInvalidArgument,
                   "Invalid parameter at 'value': " + std::string(setting->name) + " takes one of " + choices,
                   "InvalidParameterException");
  }
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.PutSetting(setting->name, value); }));
  co_return json::object{{"name", setting->name}, {"value", value}};
}

http::Task<EcrApi::Output> EcrApi::ListImageReferrers(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  Result<berth::oci::Digest> subject =
      berth::oci::Digest::Parse(JsonStringView(call.input.at("subjectId").as_object(), "imageDigest"));
  if (!subject) co_return Fail(Code::kInvalidArgument, "Invalid parameter at 'subjectId.imageDigest'", "InvalidParameterException");
  std::vector<std::string> types;
  if (const json::value* filter = call.input.if_contains("filter")) {
    if (const json::value* t = filter->as_object().if_contains("artifactTypes")) {
      for (const json::value& v : t->as_array()) types.emplace_back(v.as_string());
    }
  }
  BERTH_CO_ASSIGN(Page page, ParsePage(call.input, 50));
  // One artifact type is filtered by the store; several are filtered here, over at most 10,000.
  BERTH_CO_ASSIGN(std::vector<meta::Referrer> all,
                  meta_.ListReferrers(repo.id, *subject, types.size() == 1 ? types[0] : "", page.after, 10000));
  json::array out;
  std::string last;
  bool more = false;
  for (const meta::Referrer& r : all) {  // sorted by digest
    if (r.digest.str() <= page.after) continue;
    if (!types.empty() && std::find(types.begin(), types.end(), r.artifact_type) == types.end()) continue;
    if (out.size() == page.limit) {
      more = true;
      break;
    }
    json::object item{{"digest", r.digest.str()}, {"mediaType", r.media_type}, {"size", r.size},
                      {"artifactStatus", "ACTIVE"}};
    if (!r.artifact_type.empty()) item["artifactType"] = r.artifact_type;
    if (!r.annotations_json.empty()) item["annotations"] = json::parse(r.annotations_json);
    out.push_back(std::move(item));
    last = r.digest.str();
  }
  json::object result{{"referrers", out}};
  if (more) result["nextToken"] = EncodeToken(last);
  co_return result;
}

}  // namespace berth::api::ecr
