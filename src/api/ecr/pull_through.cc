// Pull-through cache rules: Create/Describe/Update/Delete/ValidatePullThroughCacheRule, kept as
// named documents of the metadata store, and BatchGetImage's imports through them. ECR's
// upstream registries are accepted by host name; beyond ECR, any OCI registry by URL.
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "api/ecr/ecr_api.h"
#include "api/ecr/paging.h"
#include "async/blocking.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

std::unexpected<Error> NotFound(std::string_view prefix) {
  return Fail(Code::kNotFound, "no pull through cache rule exists for the prefix " + std::string(prefix),
              "PullThroughCacheRuleNotFoundException");
}

json::object RuleJson(const cache::Rule& r, std::string_view account_id) {
  json::object out{{"ecrRepositoryPrefix", r.ecr_prefix},
                   {"upstreamRegistryUrl", r.upstream_url},
                   {"createdAt", r.created_at},
                   {"updatedAt", r.updated_at},
                   {"registryId", account_id},
                   {"upstreamRepositoryPrefix", r.upstream_prefix}};
  if (!r.upstream_registry.empty()) out["upstreamRegistry"] = r.upstream_registry;
  if (!r.credential_arn.empty()) out["credentialArn"] = r.credential_arn;
  if (!r.custom_role_arn.empty()) out["customRoleArn"] = r.custom_role_arn;
  return out;
}

// RuleJson with only `keep`'s members (each call answers its own subset of the rule).
json::object RuleFields(const cache::Rule& r, std::string_view account_id, std::initializer_list<std::string_view> keep) {
  json::object all = RuleJson(r, account_id);
  json::object out;
  for (std::string_view k : keep) {
    if (const json::value* v = all.if_contains(k)) out[k] = *v;
  }
  return out;
}

// A rule read back, or PullThroughCacheRuleNotFoundException.
Result<std::pair<cache::Rule, int64_t>> StoredRule(meta::MetadataStore& meta, std::string_view prefix) {
  BERTH_ASSIGN(std::optional<meta::NamedDocument> doc, meta.GetDocument(cache::kRuleKind, prefix));
  if (!doc) return NotFound(prefix);
  BERTH_ASSIGN(cache::Rule rule, cache::RuleFromJson(doc->name, doc->document));
  return std::pair{std::move(rule), doc->revision};
}

}  // namespace

Result<cache::PullThrough*> EcrApi::PullThroughCache(const Call& call) const {
  if (options_.pull_through == nullptr) {
    return Fail(Code::kFailedPrecondition, "the pull-through cache is off on this registry", "ValidationException");
  }
  BERTH_TRY(CheckRegistryId(call.input));
  return options_.pull_through;
}

http::Task<EcrApi::Output> EcrApi::CreatePullThroughCacheRule(const Call& call) {
  BERTH_CO_ASSIGN(cache::PullThrough * cache, PullThroughCache(call));
  const int64_t now = clock_();
  cache::Rule rule{.ecr_prefix = cache::NormalizePrefix(JsonStringView(call.input, "ecrRepositoryPrefix")),
                   .upstream_url = std::string(JsonStringView(call.input, "upstreamRegistryUrl")),
                   .credential_arn = std::string(JsonStringView(call.input, "credentialArn")),
                   .custom_role_arn = std::string(JsonStringView(call.input, "customRoleArn")),
                   .created_at = now,
                   .updated_at = now};
  if (std::string_view up = JsonStringView(call.input, "upstreamRepositoryPrefix"); !up.empty()) {
    rule.upstream_prefix = cache::NormalizePrefix(up);
  }
  BERTH_CO_ASSIGN(http::Url endpoint, cache::UpstreamEndpoint(rule.upstream_url));
  const std::string known = cache::KnownUpstreamRegistry(endpoint.host);
  const std::string_view named = JsonStringView(call.input, "upstreamRegistry");
  if (!named.empty() && !known.empty() && named != known) {
    co_return Fail(Code::kInvalidArgument,
                   "upstreamRegistry " + std::string(named) + " does not match the URL's registry, " + known,
                   "InvalidParameterException");
  }
  rule.upstream_registry = !named.empty() ? std::string(named) : known;
  if (cache::NeedsCredentials(rule.upstream_registry) && rule.credential_arn.empty()) {
    co_return Fail(Code::kInvalidArgument,
                   "a pull through cache rule for " + rule.upstream_registry + " needs a credentialArn",
                   "InvalidParameterException");
  }
  if (rule.ecr_prefix == "ecr" || rule.ecr_prefix.starts_with("aws")) {
    co_return Fail(Code::kInvalidArgument, "the prefix " + rule.ecr_prefix + " is reserved", "InvalidParameterException");
  }
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&]() -> Status {
    BERTH_TRY(cache->CredentialsOf(rule));
    Result<int64_t> put = meta_.PutDocument(cache::kRuleKind, rule.ecr_prefix, cache::ToJson(rule), 0, cache::kMaxRules);
    if (!put && put.error().code() == Code::kAlreadyExists) {
      return Fail(Code::kAlreadyExists, "a pull through cache rule exists for the prefix " + rule.ecr_prefix,
                  "PullThroughCacheRuleAlreadyExistsException");
    }
    if (!put && put.error().code() == Code::kResourceExhausted) {
      return Fail(Code::kResourceExhausted, "a registry has at most 50 pull through cache rules",
                  "LimitExceededException");
    }
    if (!put) return std::unexpected(put.error());
    return {};
  }));
  cache->RulesChanged();
  co_return RuleJson(rule, options_.account_id);
}

http::Task<EcrApi::Output> EcrApi::DescribePullThroughCacheRules(const Call& call) {
  BERTH_CO_ASSIGN(cache::PullThrough * cache, PullThroughCache(call));
  BERTH_CO_ASSIGN(Page page, ParsePage(call.input, 100));
  BERTH_CO_ASSIGN(std::vector<cache::Rule> rules, cache->Rules());
  std::vector<std::string> wanted;
  if (const json::value* prefixes = call.input.if_contains("ecrRepositoryPrefixes")) {
    for (const json::value& p : prefixes->as_array()) {
      std::string prefix = cache::NormalizePrefix(p.as_string());
      if (std::none_of(rules.begin(), rules.end(), [&](const cache::Rule& r) { return r.ecr_prefix == prefix; })) {
        co_return NotFound(prefix);
      }
      wanted.push_back(std::move(prefix));
    }
  }
  json::array out;
  std::string last;
  bool more = false;
  for (const cache::Rule& r : rules) {  // by prefix
    if (!page.after.empty() && r.ecr_prefix <= page.after) continue;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), r.ecr_prefix) == wanted.end()) continue;
    if (out.size() == page.limit) {
      more = true;
      break;
    }
    out.push_back(RuleJson(r, options_.account_id));
    last = r.ecr_prefix;
  }
  json::object result{{"pullThroughCacheRules", std::move(out)}};
  if (more) result["nextToken"] = EncodeToken(last);
  co_return result;
}

http::Task<EcrApi::Output> EcrApi::UpdatePullThroughCacheRule(const Call& call) {
  BERTH_CO_ASSIGN(cache::PullThrough * cache, PullThroughCache(call));
  const std::string prefix = cache::NormalizePrefix(JsonStringView(call.input, "ecrRepositoryPrefix"));
  cache::Rule rule;
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&]() -> Status {
    BERTH_ASSIGN(auto stored, StoredRule(meta_, prefix));
    rule = std::move(stored.first);
    if (call.input.contains("credentialArn")) rule.credential_arn = std::string(JsonStringView(call.input, "credentialArn"));
    if (call.input.contains("customRoleArn")) rule.custom_role_arn = std::string(JsonStringView(call.input, "customRoleArn"));
    rule.updated_at = clock_();
    BERTH_TRY(cache->CredentialsOf(rule));
    Result<int64_t> put = meta_.PutDocument(cache::kRuleKind, prefix, cache::ToJson(rule), stored.second, cache::kMaxRules);
    if (!put && put.error().code() == Code::kNotFound) return NotFound(prefix);
    if (!put && put.error().code() == Code::kAborted) {
      return Fail(Code::kUnavailable, "the rule changed meanwhile; try again");
    }
    if (!put) return std::unexpected(put.error());
    return {};
  }));
  cache->RulesChanged();
  co_return RuleFields(rule, options_.account_id, {"ecrRepositoryPrefix", "registryId", "updatedAt", "credentialArn",
                                                   "customRoleArn", "upstreamRepositoryPrefix"});
}

http::Task<EcrApi::Output> EcrApi::DeletePullThroughCacheRule(const Call& call) {
  BERTH_CO_ASSIGN(cache::PullThrough * cache, PullThroughCache(call));
  const std::string prefix = cache::NormalizePrefix(JsonStringView(call.input, "ecrRepositoryPrefix"));
  cache::Rule rule;
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&]() -> Status {
    BERTH_ASSIGN(auto stored, StoredRule(meta_, prefix));
    rule = std::move(stored.first);
    BERTH_ASSIGN(bool removed, meta_.DeleteDocument(cache::kRuleKind, prefix, 0));
    if (!removed) return NotFound(prefix);
    return {};
  }));
  cache->RulesChanged();
  // Repositories the rule created stay, with what they cached, as on ECR.
  co_return RuleFields(rule, options_.account_id, {"ecrRepositoryPrefix", "upstreamRegistryUrl", "createdAt",
                                                   "registryId", "credentialArn", "customRoleArn",
                                                   "upstreamRepositoryPrefix"});
}

http::Task<EcrApi::Output> EcrApi::ValidatePullThroughCacheRule(const Call& call) {
  BERTH_CO_ASSIGN(cache::PullThrough * cache, PullThroughCache(call));
  const std::string prefix = cache::NormalizePrefix(JsonStringView(call.input, "ecrRepositoryPrefix"));
  cache::Rule rule;
  std::string failure;
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&]() -> Status {
    BERTH_ASSIGN(auto stored, StoredRule(meta_, prefix));
    rule = std::move(stored.first);
    if (Status ok = cache->Validate(rule); !ok) failure = ok.error().message();
    return {};
  }));
  json::object out = RuleFields(rule, options_.account_id, {"ecrRepositoryPrefix", "registryId", "upstreamRegistryUrl",
                                                            "credentialArn", "customRoleArn", "upstreamRepositoryPrefix"});
  out["isValid"] = failure.empty();
  if (!failure.empty()) out["failure"] = failure;
  co_return out;
}

Result<std::optional<meta::ManifestRecord>> EcrApi::ImageFromUpstream(const Call& call, const cache::Rule& rule,
                                                                      meta::RepositoryId repo, std::string_view name,
                                                                      const json::object& id,
                                                                      const std::optional<meta::ManifestRecord>& local) {
  cache::PullThrough& cache = *options_.pull_through;
  const std::string tag(JsonStringView(id, "imageTag"));
  const std::string digest(JsonStringView(id, "imageDigest"));
  BERTH_ASSIGN(bool may_import, access_.AllowedOnRepository(call.principal, "ecr:BatchImportUpstreamImage", name,
                                                            call.request));
  if (!may_import) return std::optional<meta::ManifestRecord>();
  if (local) {
    if (tag.empty() || !digest.empty()) return std::optional<meta::ManifestRecord>();
    if (std::optional<cache::UpstreamManifest> importing = cache.Importing(repo, tag)) {
      return meta::ManifestRecord{.digest = importing->digest, .media_type = importing->media_type,
                                  .payload = importing->payload};
    }
    if (!cache.TagDue(repo, tag)) return std::optional<meta::ManifestRecord>();
    std::optional<cache::UpstreamManifest> moved = cache.Refresh(rule, repo, name, tag, local->digest);
    if (!moved) return std::optional<meta::ManifestRecord>();
    return meta::ManifestRecord{.digest = moved->digest, .media_type = moved->media_type, .payload = moved->payload};
  }
  Result<cache::UpstreamManifest> fetched = cache.FetchManifest(rule, repo, name, digest.empty() ? tag : digest);
  if (!fetched) return std::optional<meta::ManifestRecord>();
  if (!tag.empty() && !digest.empty() && fetched->digest.str() != digest) return std::optional<meta::ManifestRecord>();
  return meta::ManifestRecord{.digest = fetched->digest, .media_type = fetched->media_type, .payload = fetched->payload};
}

}  // namespace berth::api::ecr
