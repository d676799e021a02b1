// Repository policies (who may do what to one repository, evaluated on every request by
// auth::Authorizer) and the registry policy (stored and returned; ECR uses it for replication
// and pull-through cache grants).
#include <boost/json/value.hpp>

#include "api/ecr/ecr_api.h"
#include "async/blocking.h"
#include "iam/policy.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

constexpr const char* kRegistryPolicySetting = "registry_policy";

}  // namespace

// A policy that does not parse is the caller's mistake, named where it is.
Status ValidateRepositoryPolicy(std::string_view text) {
  Result<iam::Policy> parsed = iam::ParsePolicy(text, iam::PolicyKind::kResource);
  if (!parsed) {
    return Fail(Code::kInvalidArgument,
                "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy "
                "provided': " + parsed.error().message(),
                "InvalidParameterException");
  }
  return {};
}


http::Task<EcrApi::Output> EcrApi::SetRepositoryPolicy(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  const std::string text(JsonStringView(call.input, "policyText"));
  BERTH_CO_TRY(ValidateRepositoryPolicy(text));
  const json::value* force = call.input.if_contains("force");
  if (force == nullptr || !force->as_bool()) {
    BERTH_CO_ASSIGN(bool still_allowed, access_.AllowedUnderPolicy(call.principal, "ecr:SetRepositoryPolicy", r.name,
                                                                    text, call.request));
    if (!still_allowed) {
      co_return Fail(Code::kInvalidArgument,
                     "this policy would stop you from setting the repository's policy again; set force to "
                     "apply it anyway",
                     "InvalidParameterException");
    }
  }
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.SetRepositoryPolicy(r.id, text); }));
  co_return json::object{{"registryId", options_.account_id}, {"repositoryName", r.name}, {"policyText", text}};
}

http::Task<EcrApi::Output> EcrApi::GetRepositoryPolicy(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  BERTH_CO_ASSIGN(std::optional<meta::RepositoryAccess> access, meta_.GetRepositoryAccess(r.id));
  if (!access || access->policy.empty()) {
    co_return Fail(Code::kNotFound,
                   "Repository policy does not exist for the repository with name '" + r.name +
                       "' in the registry with id '" + options_.account_id + "'",
                   "RepositoryPolicyNotFoundException");
  }
  co_return json::object{{"registryId", options_.account_id}, {"repositoryName", r.name},
                         {"policyText", access->policy}};
}

http::Task<EcrApi::Output> EcrApi::DeleteRepositoryPolicy(const Call& call) {
  BERTH_CO_ASSIGN(json::object current, co_await GetRepositoryPolicy(call));
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.SetRepositoryPolicy(r.id, ""); }));
  co_return current;
}

http::Task<EcrApi::Output> EcrApi::PutRegistryPolicy(const Call& call) {
  const std::string text(JsonStringView(call.input, "policyText"));
  BERTH_CO_TRY(ValidateRepositoryPolicy(text));
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.PutSetting(kRegistryPolicySetting, text); }));
  co_return json::object{{"registryId", options_.account_id}, {"policyText", text}};
}

http::Task<EcrApi::Output> EcrApi::GetRegistryPolicy(const Call&) {
  BERTH_CO_ASSIGN(std::optional<std::string> text, meta_.GetSetting(kRegistryPolicySetting));
  if (!text || text->empty()) {
    co_return Fail(Code::kNotFound,
                   "Registry policy does not exist in the registry with id '" + options_.account_id + "'",
                   "RegistryPolicyNotFoundException");
  }
  co_return json::object{{"registryId", options_.account_id}, {"policyText", *text}};
}

http::Task<EcrApi::Output> EcrApi::DeleteRegistryPolicy(const Call& call) {
  BERTH_CO_ASSIGN(json::object current, co_await GetRegistryPolicy(call));
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.PutSetting(kRegistryPolicySetting, ""); }));
  co_return current;
}

}  // namespace berth::api::ecr
