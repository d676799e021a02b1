// api/ecr/ecr_api.h
//
// Amazon ECR's JSON API (awsJson1_1: POST / with X-Amz-Target:
// AmazonEC2ContainerRegistry_V20150921.<Operation>), so the aws CLI, boto3 and Terraform manage
// Berth. Every request is SigV4-verified (aws/sigv4) and validated against the botocore model
// (model.h) before its handler runs; failures become {"__type": "<Exception>", "message": ...}.
//
// One operation group per file: repositories.cc, images.cc, layers.cc, registry.cc (tokens,
// registry, settings, referrers), policies.cc (repository and registry policies), lifecycle.cc
// (lifecycle policies and previews), archive.cc (storage class, pull-time exclusions), scanning.cc
// (scanning configuration, scans and findings), templates.cc (repository creation templates); ecr_api.cc
// holds the protocol and access.cc the authorization of each call.
//
// Thread-safe: handlers run concurrently. Writes and fsyncs run on the blocking pool.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "api/access_control.h"
#include "api/auditor.h"
#include "api/pull_recorder.h"
#include "api/upload_locks.h"
#include "auth/authenticator.h"
#include "base/json.h"
#include "blob/blob_store.h"
#include "cache/pull_through.h"
#include "http/message.h"
#include "lifecycle/runner.h"
#include "meta/metadata_store.h"

namespace berth::scan {
struct StoredFinding;
}

namespace berth::api::ecr {

struct EcrApiOptions {
  std::string region = "us-east-1";
  std::string account_id;    // 12 digits
  std::string external_url;  // scheme://host:port that clients use to reach Berth
  size_t max_request_bytes = 32 * 1024 * 1024;  // UploadLayerPart carries up to 20 MiB in base64
  int64_t token_ttl_seconds = 12 * 3600;
  int64_t download_url_ttl_seconds = 3600;
  int64_t layer_part_size = 10 * 1024 * 1024;
  std::chrono::seconds upload_idle_timeout{24 * 3600};  // a layer upload untouched this long is gone
  // Told of every image PutImage stored (scan on push); runs on the blocking pool.
  std::function<void(const meta::PushedImage&)> on_image_pushed;
  // Pull-through cache rules and BatchGetImage's imports; none: the rule calls are refused.
  cache::PullThrough* pull_through = nullptr;
  // The replication destinations with a --peer ("region/registryId"): the only ones a
  // replication configuration may name.
  std::set<std::string> replication_peers;
  // Routes the pushes not yet routed under the configuration in force (replication/replicator.h),
  // before PutReplicationConfiguration changes it; runs on the blocking pool.
  std::function<Status()> route_pending_replication;
};


// The awsJson1_1 error answer for `error`: its reason is the exception name (`__type`); an error
// without one is a fault of Berth's and answers ServerException (500).
http::Response ErrorResponse(const Error& error);

// An ImageIdentifier resolved to a digest, or the ImageFailureCode and reason that apply.
struct ResolvedImage {
  std::optional<berth::oci::Digest> digest;
  std::string failure_code;
  std::string failure_reason;
};
ResolvedImage ResolveImageId(meta::MetadataStore& meta, meta::RepositoryId repo, const boost::json::object& id);

class EcrApi {
 public:
  // Every reference must outlive this object.
  EcrApi(meta::MetadataStore& meta, blob::BlobStore& blobs, auth::Authenticator& authenticator,
         AccessControl& access, Auditor& auditor, boost::asio::thread_pool& blocking, PullRecorder& pulls, UploadLocks& upload_locks,
         lifecycle::Runner& lifecycle, EcrApiOptions options, std::function<int64_t()> clock);

  http::Task<http::Response> Handle(http::Request& request);

  // What a handler gets: the validated input and who is calling.
  struct Call {
    const boost::json::object& input;
    const auth::Principal& principal;
    const http::Request& request;
  };
  using Output = Result<boost::json::object>;

 private:
  template <class T>
  using Task = http::Task<T>;

  // Handle without the audit record, which it fills as it learns the call.
  http::Task<http::Response> Serve(http::Request& request, AuditRecord& audit);
  Task<Output> Dispatch(std::string_view operation, const Call& call);
  // Checks ecr:<operation> on the resource the input names (access.cc): the repository, every
  // image tag it names (ecr:ImageTag), the tags it sets (aws:RequestTag, aws:TagKeys).
  Status Authorize(std::string_view operation, const Call& call);

  // repositories.cc
  Task<Output> CreateRepository(const Call& call);
  Task<Output> DescribeRepositories(const Call& call);
  Task<Output> DeleteRepository(const Call& call);
  Task<Output> PutImageTagMutability(const Call& call);
  Task<Output> PutImageScanningConfiguration(const Call& call);
  Task<Output> TagResource(const Call& call);
  Task<Output> UntagResource(const Call& call);
  Task<Output> ListTagsForResource(const Call& call);
  // images.cc
  Task<Output> ListImages(const Call& call);
  Task<Output> DescribeImages(const Call& call);
  Task<Output> BatchGetImage(const Call& call);
  Task<Output> BatchDeleteImage(const Call& call);
  Task<Output> PutImage(const Call& call);
  // layers.cc
  Task<Output> InitiateLayerUpload(const Call& call);
  Task<Output> UploadLayerPart(const Call& call);
  Task<Output> CompleteLayerUpload(const Call& call);
  Task<Output> BatchCheckLayerAvailability(const Call& call);
  Task<Output> GetDownloadUrlForLayer(const Call& call);
  // registry.cc
  Task<Output> GetAuthorizationToken(const Call& call);
  Task<Output> DescribeRegistry(const Call& call);
  Task<Output> GetAccountSetting(const Call& call);
  Task<Output> PutAccountSetting(const Call& call);
  Task<Output> ListImageReferrers(const Call& call);
  // policies.cc
  Task<Output> SetRepositoryPolicy(const Call& call);
  Task<Output> GetRepositoryPolicy(const Call& call);
  Task<Output> DeleteRepositoryPolicy(const Call& call);
  Task<Output> PutRegistryPolicy(const Call& call);
  Task<Output> GetRegistryPolicy(const Call& call);
  Task<Output> DeleteRegistryPolicy(const Call& call);

  // archive.cc
  Task<Output> UpdateImageStorageClass(const Call& call);
  Task<Output> RegisterPullTimeUpdateExclusion(const Call& call);
  Task<Output> DeregisterPullTimeUpdateExclusion(const Call& call);
  Task<Output> ListPullTimeUpdateExclusions(const Call& call);
  // scanning.cc
  Task<Output> PutRegistryScanningConfiguration(const Call& call);
  Task<Output> GetRegistryScanningConfiguration(const Call& call);
  Task<Output> BatchGetRepositoryScanningConfiguration(const Call& call);
  Task<Output> StartImageScan(const Call& call);
  Task<Output> DescribeImageScanFindings(const Call& call);
  // An image's scan status and findings summary as DescribeImages shows them (none before a
  // scan completed).
  boost::json::object ScanStatusJson(const meta::ScanRecord& scan) const;
  std::optional<boost::json::object> ScanSummaryJson(const meta::ScanRecord& scan) const;
  boost::json::object EnhancedFinding(const meta::RepositoryRecord& repo, const berth::oci::Digest& digest,
                                      const std::vector<std::string>& tags, const meta::ScanRecord& scan,
                                      const scan::StoredFinding& finding) const;
  // templates.cc
  Task<Output> CreateRepositoryCreationTemplate(const Call& call);
  Task<Output> DescribeRepositoryCreationTemplates(const Call& call);
  Task<Output> UpdateRepositoryCreationTemplate(const Call& call);
  Task<Output> DeleteRepositoryCreationTemplate(const Call& call);
  Task<Output> PutCreationTemplate(const Call& call, bool create);
  boost::json::object TemplateJson(const meta::CreationTemplate& t) const;
  // pull_through.cc
  Task<Output> CreatePullThroughCacheRule(const Call& call);
  Task<Output> DescribePullThroughCacheRules(const Call& call);
  Task<Output> UpdatePullThroughCacheRule(const Call& call);
  Task<Output> DeletePullThroughCacheRule(const Call& call);
  Task<Output> ValidatePullThroughCacheRule(const Call& call);
  // The cache the rule calls work on, once the call's registryId is checked.
  Result<cache::PullThrough*> PullThroughCache(const Call& call) const;
  // BatchGetImage's part for a repository under a rule: the manifest of `id` from the upstream
  // when it is not here, or when its tag's TTL passed and the tag moved; nullopt otherwise.
  Result<std::optional<meta::ManifestRecord>> ImageFromUpstream(const Call& call, const cache::Rule& rule,
                                                                meta::RepositoryId repo, std::string_view name,
                                                                const boost::json::object& id,
                                                                const std::optional<meta::ManifestRecord>& local);
  // replication.cc
  Task<Output> PutReplicationConfiguration(const Call& call);
  Task<Output> DescribeImageReplicationStatus(const Call& call);
  // CreateRepository for a replicating registry: the REPLICATION template's settings.
  Task<Output> CreateReplicatedRepository(const Call& call, std::string_view name);
  // lifecycle.cc
  Task<Output> PutLifecyclePolicy(const Call& call);
  Task<Output> GetLifecyclePolicy(const Call& call);
  Task<Output> DeleteLifecyclePolicy(const Call& call);
  Task<Output> StartLifecyclePolicyPreview(const Call& call);
  Task<Output> GetLifecyclePolicyPreview(const Call& call);
  static Status ValidateLifecyclePolicy(std::string_view text);
  Result<meta::LifecyclePolicyRecord> StoredLifecyclePolicy(const meta::RepositoryRecord& r);
  boost::json::object LifecyclePolicyJson(const meta::RepositoryRecord& r, const meta::LifecyclePolicyRecord& p) const;

  // An upload of `repo`, locked for writing (UploadNotFoundException otherwise).
  struct LockedUpload {
    UploadLocks::Guard guard;
    std::optional<meta::UploadRecord> record;  // always set
  };
  Result<LockedUpload> LockUpload(const meta::RepositoryRecord& repo, const std::string& upload_id);

  // Shared helpers (ecr_api.cc).
  // The repository named by the input's repositoryName (RepositoryNotFoundException if absent).
  Result<meta::RepositoryRecord> Repository(const boost::json::object& input);
  Result<meta::RepositoryRecord> RepositoryNamed(std::string_view name);
  Status CheckRegistryId(const boost::json::object& input) const;
  // The digest an imageId names (ImageNotFoundException, InvalidParameterException otherwise).
  Result<berth::oci::Digest> ImageDigest(const meta::RepositoryRecord& repo, const boost::json::object& id);
  boost::json::object RepositoryJson(const meta::RepositoryRecord& r) const;
  std::string RepositoryArn(std::string_view name) const;
  std::string RepositoryUri(std::string_view name) const;
  Result<meta::RepositoryRecord> RepositoryFromArn(std::string_view arn);

  meta::MetadataStore& meta_;
  blob::BlobStore& blobs_;
  auth::Authenticator& authenticator_;
  AccessControl& access_;
  Auditor& auditor_;
  boost::asio::thread_pool& blocking_;
  PullRecorder& pulls_;
  UploadLocks& upload_locks_;
  lifecycle::Runner& lifecycle_;
  const EcrApiOptions options_;
  std::function<int64_t()> clock_;
};

// The resource tags in `member` (InvalidTagParameterException, TooManyTagsException).
Result<meta::ResourceTags> ParseTags(const boost::json::object& input, std::string_view member);
// imageTagMutability and its exclusion filters into `r` (InvalidParameterException).
Status ParseMutability(const boost::json::object& input, meta::RepositoryRecord& r);
// A repository policy that parses (InvalidParameterException naming what is wrong).
Status ValidateRepositoryPolicy(std::string_view text);

}  // namespace berth::api::ecr
