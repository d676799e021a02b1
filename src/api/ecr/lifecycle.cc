// Lifecycle policies: stored per repository, validated as ECR validates them
// (lifecycle/policy.h), carried out by lifecycle::Runner when put and on a schedule; previews
// run in the background and are kept in the metadata store, so any node answers for them.
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "api/ecr/ecr_api.h"
#include "api/ecr/paging.h"
#include "async/blocking.h"
#include "lifecycle/policy.h"
#include "lifecycle/runner.h"
#include "telemetry/log.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

// A preview that has not finished after this long died with its node: it is reported FAILED
// and another may start.
constexpr int64_t kPreviewTimeoutSeconds = 600;
constexpr size_t kDefaultPreviewPage = 100;

json::array ResultsJson(const std::vector<lifecycle::PlannedImage>& plan) {
  json::array out;
  for (const lifecycle::PlannedImage& p : plan) {
    json::object action{{"type", lifecycle::Name(p.action)}};
    if (p.action == lifecycle::ActionType::kTransition) action["targetStorageClass"] = "ARCHIVE";
    json::array tags;
    for (const std::string& t : p.tags) tags.push_back(json::value(t));
    out.push_back(json::object{{"imageTags", tags},
                               {"imageDigest", p.digest},
                               {"imagePushedAt", p.pushed_at},
                               {"action", action},
                               {"appliedRulePriority", p.rule_priority},
                               {"storageClass", lifecycle::Name(p.storage)}});
  }
  return out;
}

bool MatchesImageIds(const json::object& result, const json::value* ids) {
  if (ids == nullptr || !ids->is_array()) return true;
  const json::array& tags = result.at("imageTags").as_array();
  for (const json::value& id : ids->as_array()) {
    if (!id.is_object()) continue;
    std::string_view digest = JsonStringView(id.as_object(), "imageDigest");
    std::string_view tag = JsonStringView(id.as_object(), "imageTag");
    if (!digest.empty() && result.at("imageDigest").as_string() != digest) continue;
    if (!tag.empty() && std::none_of(tags.begin(), tags.end(), [&](const json::value& t) { return t.as_string() == tag; })) {
      continue;
    }
    if (!digest.empty() || !tag.empty()) return true;
  }
  return false;
}

bool MatchesTagStatus(const json::object& result, std::string_view status) {
  const bool tagged = !result.at("imageTags").as_array().empty();
  if (status == "TAGGED") return tagged;
  if (status == "UNTAGGED") return !tagged;
  return true;
}

}  // namespace

Status EcrApi::ValidateLifecyclePolicy(std::string_view text) {
  Result<lifecycle::Policy> parsed = lifecycle::ParsePolicy(text);
  if (!parsed) return std::unexpected(std::move(parsed).error());
  return {};
}

json::object EcrApi::LifecyclePolicyJson(const meta::RepositoryRecord& r, const meta::LifecyclePolicyRecord& p) const {
  json::object out{{"registryId", options_.account_id}, {"repositoryName", r.name}, {"lifecyclePolicyText", p.text}};
  if (p.evaluated_at) out["lastEvaluatedAt"] = *p.evaluated_at;
  return out;
}

Result<meta::LifecyclePolicyRecord> EcrApi::StoredLifecyclePolicy(const meta::RepositoryRecord& r) {
  BERTH_ASSIGN(std::optional<meta::LifecyclePolicyRecord> policy, meta_.GetLifecyclePolicy(r.id));
  if (!policy) {
    return Fail(Code::kNotFound,
                "Lifecycle policy does not exist for the repository with name '" + r.name +
                    "' in the registry with id '" + options_.account_id + "'",
                "LifecyclePolicyNotFoundException");
  }
  return *std::move(policy);
}

http::Task<EcrApi::Output> EcrApi::PutLifecyclePolicy(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  const std::string text(JsonStringView(call.input, "lifecyclePolicyText"));
  BERTH_CO_TRY(ValidateLifecyclePolicy(text));
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.SetLifecyclePolicy(r.id, text); }));
  // Carried out now as well as on the schedule, so a new policy does not wait a day.
  boost::asio::post(blocking_, [this, id = r.id, name = r.name] {
    if (Result<lifecycle::RunReport> run = lifecycle_.Run(id, name); !run) {
      telemetry::LogWarn("lifecycle run failed", {{"repository", name}, {"error", run.error().message()}});
    }
  });
  co_return json::object{{"registryId", options_.account_id}, {"repositoryName", r.name}, {"lifecyclePolicyText", text}};
}

http::Task<EcrApi::Output> EcrApi::GetLifecyclePolicy(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  BERTH_CO_ASSIGN(meta::LifecyclePolicyRecord policy, StoredLifecyclePolicy(r));
  co_return LifecyclePolicyJson(r, policy);
}

http::Task<EcrApi::Output> EcrApi::DeleteLifecyclePolicy(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  BERTH_CO_ASSIGN(meta::LifecyclePolicyRecord policy, StoredLifecyclePolicy(r));
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.SetLifecyclePolicy(r.id, ""); }));
  co_return LifecyclePolicyJson(r, policy);
}

http::Task<EcrApi::Output> EcrApi::StartLifecyclePolicyPreview(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  std::string text(JsonStringView(call.input, "lifecyclePolicyText"));
  if (text.empty()) {
    BERTH_CO_ASSIGN(meta::LifecyclePolicyRecord stored, StoredLifecyclePolicy(r));
    text = std::move(stored.text);
  }
  BERTH_CO_ASSIGN(lifecycle::Policy policy, lifecycle::ParsePolicy(text));
  const int64_t now = clock_();
  BERTH_CO_ASSIGN(std::optional<meta::LifecyclePreviewRecord> running, meta_.GetLifecyclePreview(r.id));
  if (running && running->status == "IN_PROGRESS" && running->started_at > now - kPreviewTimeoutSeconds) {
    co_return Fail(Code::kFailedPrecondition,
                   "A lifecycle policy preview is already in progress for the repository with name '" + r.name + "'",
                   "LifecyclePolicyPreviewInProgressException");
  }
  meta::LifecyclePreviewRecord preview{.policy = text, .status = "IN_PROGRESS", .results = "[]", .started_at = now};
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.SaveLifecyclePreview(r.id, preview); }));
  boost::asio::post(blocking_, [this, id = r.id, name = r.name, policy = std::move(policy),
                                preview = std::move(preview)]() mutable {
    Result<std::vector<lifecycle::PlannedImage>> plan = lifecycle_.Preview(id, policy);
    if (plan) {
      preview.status = "COMPLETE";
      preview.results = json::serialize(ResultsJson(*plan));
    } else {
      preview.status = "FAILED";
      telemetry::LogWarn("lifecycle preview failed", {{"repository", name}, {"error", plan.error().message()}});
    }
    if (Status saved = meta_.SaveLifecyclePreview(id, preview); !saved) {
      telemetry::LogWarn("saving a lifecycle preview failed", {{"repository", name}, {"error", saved.error().message()}});
    }
  });
  co_return json::object{{"registryId", options_.account_id}, {"repositoryName", r.name},
                         {"lifecyclePolicyText", text}, {"status", "IN_PROGRESS"}};
}

http::Task<EcrApi::Output> EcrApi::GetLifecyclePolicyPreview(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  BERTH_CO_ASSIGN(std::optional<meta::LifecyclePreviewRecord> preview, meta_.GetLifecyclePreview(r.id));
  if (!preview) {
    co_return Fail(Code::kNotFound,
                   "There is no dry run for this repository with name '" + r.name + "' in the registry with id '" +
                       options_.account_id + "'",
                   "LifecyclePolicyPreviewNotFoundException");
  }
  const json::value* ids = call.input.if_contains("imageIds");
  if (ids != nullptr && (call.input.contains("nextToken") || call.input.contains("maxResults"))) {
    co_return Fail(Code::kInvalidArgument, "imageIds cannot be combined with nextToken or maxResults",
                   "InvalidParameterException");
  }
  BERTH_CO_ASSIGN(Page page, ParsePage(call.input, kDefaultPreviewPage));
  std::string status = preview->status;
  if (status == "IN_PROGRESS" && preview->started_at <= clock_() - kPreviewTimeoutSeconds) status = "FAILED";
  json::object out{{"registryId", options_.account_id}, {"repositoryName", r.name},
                   {"lifecyclePolicyText", preview->policy}, {"status", status}};
  if (status != "COMPLETE") {
    out["previewResults"] = json::array();
    co_return out;
  }
  boost::system::error_code ec;
  json::value all = json::parse(preview->results, ec);
  if (ec || !all.is_array()) co_return Fail(Code::kInternal, "a stored lifecycle preview does not parse");
  std::string_view tag_status;
  if (const json::value* filter = call.input.if_contains("filter"); filter != nullptr && filter->is_object()) {
    tag_status = JsonStringView(filter->as_object(), "tagStatus");
  }
  int64_t expiring = 0, transitioning = 0;
  json::array results;
  std::string last;
  bool more = false;
  for (const json::value& v : all.as_array()) {
    const json::object& result = v.as_object();
    if (result.at("action").as_object().at("type").as_string() == "EXPIRE") {
      ++expiring;
    } else {
      ++transitioning;
    }
    if (!MatchesImageIds(result, ids) || !MatchesTagStatus(result, tag_status)) continue;
    // Pages follow the order of the results; the token is the digest of the last one returned.
    const std::string digest(result.at("imageDigest").as_string());
    if (!page.after.empty()) {
      if (digest == page.after) page.after.clear();
      continue;
    }
    if (results.size() == page.limit) {
      more = true;
      continue;
    }
    results.push_back(result);
    last = digest;
  }
  out["previewResults"] = std::move(results);
  if (more) out["nextToken"] = EncodeToken(last);
  json::array transitions;
  if (transitioning > 0) {
    transitions.push_back(json::object{{"targetStorageClass", "ARCHIVE"}, {"imageTotalCount", transitioning}});
  }
  out["summary"] = json::object{{"expiringImageTotalCount", expiring}, {"transitioningImageTotalCounts", transitions}};
  co_return out;
}

}  // namespace berth::api::ecr
