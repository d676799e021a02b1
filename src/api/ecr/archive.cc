// The archive storage class (UpdateImageStorageClass: an archived image is listed and described
// but not served by either API until restored) and the pull-time update exclusions (principals
// whose pulls leave lastRecordedPullTime alone; api/pull_recorder.h applies them).
#include <boost/json/serialize.hpp>

#include "api/ecr/ecr_api.h"
#include "api/ecr/paging.h"
#include "async/blocking.h"
#include "lifecycle/archive.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

constexpr size_t kMaxPullTimeExclusions = 100;

}  // namespace

http::Task<EcrApi::Output> EcrApi::UpdateImageStorageClass(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  const json::object& id = call.input.at("imageId").as_object();
  std::string_view tag = JsonStringView(id, "imageTag");
  BERTH_CO_ASSIGN(berth::oci::Digest digest, ImageDigest(repo, id));
  const bool archive = JsonStringView(call.input, "targetStorageClass") == "ARCHIVE";
  BERTH_CO_ASSIGN(bool found, co_await async::RunBlocking(blocking_, [&] {
    return lifecycle::SetStorageClass(meta_, blobs_, repo.id, digest, archive, clock_());
  }));
  if (!found) {
    co_return Fail(Code::kNotFound,
                   "The image with imageId " + json::serialize(id) + " does not exist within the repository with name '" +
                       repo.name + "' in the registry with id '" + options_.account_id + "'",
                   "ImageNotFoundException");
  }
  json::object image_id{{"imageDigest", digest.str()}};
  if (!tag.empty()) image_id["imageTag"] = tag;
  // Restoring takes no time here: the bytes never left (ECR answers ACTIVATING for up to 20 min).
  co_return json::object{{"registryId", options_.account_id}, {"repositoryName", repo.name},
                         {"imageId", image_id}, {"imageStatus", archive ? "ARCHIVED" : "ACTIVE"}};
}

http::Task<EcrApi::Output> EcrApi::RegisterPullTimeUpdateExclusion(const Call& call) {
  const std::string arn(JsonStringView(call.input, "principalArn"));
  const int64_t now = clock_();
  Status added = co_await async::RunBlocking(blocking_, [&] {
    return meta_.AddPullTimeExclusion(arn, now, kMaxPullTimeExclusions);
  });
  if (!added && added.error().code() == Code::kAlreadyExists) {
    co_return Fail(Code::kAlreadyExists, "The principal " + arn + " is already excluded from pull-time updates",
                   "ExclusionAlreadyExistsException");
  }
  if (!added && added.error().code() == Code::kResourceExhausted) {
    co_return Fail(Code::kResourceExhausted,
                   "The registry already has " + std::to_string(kMaxPullTimeExclusions) +
                       " pull-time update exclusions, the most it may have",
                   "LimitExceededException");
  }
  if (!added) co_return std::unexpected(std::move(added).error());
  co_return json::object{{"principalArn", arn}, {"createdAt", now}};
}

http::Task<EcrApi::Output> EcrApi::DeregisterPullTimeUpdateExclusion(const Call& call) {
  const std::string arn(JsonStringView(call.input, "principalArn"));
  BERTH_CO_ASSIGN(bool removed,
                  co_await async::RunBlocking(blocking_, [&] { return meta_.RemovePullTimeExclusion(arn); }));
  if (!removed) {
    co_return Fail(Code::kNotFound, "The principal " + arn + " is not excluded from pull-time updates",
                   "ExclusionNotFoundException");
  }
  co_return json::object{{"principalArn", arn}};
}

http::Task<EcrApi::Output> EcrApi::ListPullTimeUpdateExclusions(const Call& call) {
  BERTH_CO_ASSIGN(Page page, ParsePage(call.input, kMaxPullTimeExclusions));
  BERTH_CO_ASSIGN(auto exclusions, meta_.ListPullTimeExclusions());
  json::array arns;
  std::string last;
  bool more = false;
  for (const auto& [arn, created] : exclusions) {
    if (!page.after.empty() && arn <= page.after) continue;
    if (arns.size() == page.limit) {
      more = true;
      break;
    }
    arns.push_back(json::value(arn));
    last = arn;
  }
  json::object out{{"pullTimeUpdateExclusions", arns}};
  if (more) out["nextToken"] = EncodeToken(last);
  co_return out;
}

}  // namespace berth::api::ecr
