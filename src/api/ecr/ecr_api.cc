#include "api/ecr/ecr_api.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/ecr/model.h"
#include "base/utf8.h"
#include "http/body.h"
#include "api/signed_request.h"
#include "oci/names.h"
#include "telemetry/log.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

constexpr std::string_view kTargetPrefix = "AmazonEC2ContainerRegistry_V20150921.";

// HTTP status for an exception name: authentication failures are 403 as AWS sends them, the
// model's one server fault is 500, every other declared exception is a 400.
int StatusFor(std::string_view type) {
  if (type == "ServerException") return 500;
  if (type == "UnrecognizedClientException" || type == "InvalidSignatureException" ||
      type == "MissingAuthenticationTokenException" || type == "AccessDeniedException" ||
      type == "ExpiredTokenException") {
    return 403;
  }
  return 400;
}


}  // namespace

http::Response ErrorResponse(const Error& error) {
  std::string type(error.reason());
  std::string message = error.message();
  // The stores speak the registry's reasons; those an ECR call can meet have an ECR name.
  if (type == "NAME_UNKNOWN") type = "RepositoryNotFoundException";
  if (type == "BLOB_UPLOAD_UNKNOWN") type = "UploadNotFoundException";
  if (type == "AccessDenied") type = "AccessDeniedException";
  if (type.empty()) {
    // An error without an ECR exception name is a fault of ours, never the client's.
    if (error.code() == Code::kUnavailable) {
      type = "ServerException";
      message = "the registry is busy: " + message;
    } else {
      telemetry::LogError("ecr request failed", {{"code", ToString(error.code())}, {"error", message}});
      type = "ServerException";
      message = "internal error";
    }
  }
  json::object body{{"__type", type}, {"message", ValidUtf8(message)}};
  http::Response r{.status = StatusFor(type), .body = json::serialize(body), .route = "ecr"};
  r.Set("Content-Type", "application/x-amz-json-1.1");
  r.Set("x-amzn-ErrorType", type);
  if (error.code() == Code::kUnavailable && error.reason().empty()) {
    // ECR declares ServerException for faults; 503 and Retry-After tell the SDKs (which retry
    // 5xx) that this one passes.
    r.status = 503;
    r.Set("Retry-After", "1");
  }
  return r;
}

EcrApi::EcrApi(meta::MetadataStore& meta, blob::BlobStore& blobs, auth::Authenticator& authenticator,
               AccessControl& access, Auditor& auditor, boost::asio::thread_pool& blocking, PullRecorder& pulls, UploadLocks& upload_locks,
               lifecycle::Runner& lifecycle, EcrApiOptions options, std::function<int64_t()> clock)
    : meta_(meta), blobs_(blobs), authenticator_(authenticator), access_(access), auditor_(auditor), blocking_(blocking), pulls_(pulls),
      upload_locks_(upload_locks), lifecycle_(lifecycle), options_(std::move(options)), clock_(std::move(clock)) {}

http::Task<http::Response> EcrApi::Handle(http::Request& req) {
  AuditRecord audit{.source = "ecr.amazonaws.com", .name = "Unknown"};
  http::Response r = co_await Serve(req, audit);
  if (auditor_.enabled()) {
    if (r.status >= 400) {
      audit.error_code = r.Get("x-amzn-ErrorType").value_or("");
      boost::system::error_code ec;
      json::value body = json::parse(r.body, ec);
      if (!ec && body.is_object()) audit.error_message = JsonStringView(body.as_object(), "message");
    }
    audit.request_id = r.Get("x-amzn-RequestId").value_or("");
    auditor_.Record(req, std::move(audit));
  }
  co_return r;
}

http::Task<http::Response> EcrApi::Serve(http::Request& req, AuditRecord& audit) {
  if (req.method() != http::Method::kPost) {
    co_return ErrorResponse(Error(Code::kInvalidArgument, "the ECR API takes POST /", "UnknownOperationException"));
  }
  std::string_view target = req.Header("X-Amz-Target").value_or("");
  if (!target.starts_with(kTargetPrefix) || !Model::Get().HasOperation(target.substr(kTargetPrefix.size()))) {
    co_return ErrorResponse(Error(Code::kInvalidArgument, "unknown operation " + std::string(target.substr(0, 200)),
                                  "UnknownOperationException"));
  }
  const std::string operation(target.substr(kTargetPrefix.size()));
  audit.name = operation;
  audit.read_only = operation.starts_with("Get") || operation.starts_with("List") ||
                    operation.starts_with("Describe") || operation.starts_with("BatchGet") ||
                    operation.starts_with("BatchCheck");

  // The body is signed, so it is read (bounded) before the signature can be checked.
  Result<std::string> read = co_await http::ReadWholeBody(req, options_.max_request_bytes);
  if (!read) {
    const bool too_large = read.error().code() == Code::kResourceExhausted;
    co_return ErrorResponse(Error(Code::kInvalidArgument, too_large ? "request body too large" : read.error().message(),
                                  "SerializationException"));
  }
  const std::string body = *std::move(read);

  auth::Principal principal = authenticator_.Anonymous();
  if (!authenticator_.anonymous()) {
    Result<auth::Principal> who = AuthenticateSigned(req, body, authenticator_, options_.region, "ecr",
                                                     {"host", "x-amz-date", "x-amz-target"}, clock_());
    if (!who) co_return ErrorResponse(who.error());
    principal = *who;
  }
  audit.principal = principal;

  boost::system::error_code ec;
  json::value input = body.empty() ? json::value(json::object()) : json::parse(body, ec);
  if (ec || !input.is_object()) {
    co_return ErrorResponse(Error(Code::kInvalidArgument, "the body is not a JSON object", "SerializationException"));
  }
  DropNullMembers(input);  // AWS's JSON protocol reads a null member as an absent one
  audit.request_parameters = input.as_object();
  if (std::string_view repo = JsonStringView(input.as_object(), "repositoryName"); !repo.empty()) {
    audit.resources.emplace_back("AWS::ECR::Repository", RepositoryArn(repo));
  }
  if (Status valid = Model::Get().ValidateInput(operation, input); !valid) co_return ErrorResponse(valid.error());
  if (Status registry = CheckRegistryId(input.as_object()); !registry) co_return ErrorResponse(registry.error());

  const Call call{input.as_object(), principal, req};
  if (Status allowed = Authorize(operation, call); !allowed) co_return ErrorResponse(allowed.error());
  Output out = co_await Dispatch(operation, call);
  if (!out) co_return ErrorResponse(out.error());
  http::Response r{.status = 200, .body = json::serialize(*out), .route = "ecr"};
  if (r.body.size() <= 2048) audit.response_elements = *out;
  r.Set("Content-Type", "application/x-amz-json-1.1");
  co_return r;
}

http::Task<EcrApi::Output> EcrApi::Dispatch(std::string_view op, const Call& call) {
  if (op == "CreateRepository") co_return co_await CreateRepository(call);
  if (op == "DescribeRepositories") co_return co_await DescribeRepositories(call);
  if (op == "DeleteRepository") co_return co_await DeleteRepository(call);
  if (op == "PutImageTagMutability") co_return co_await PutImageTagMutability(call);
  if (op == "PutImageScanningConfiguration") co_return co_await PutImageScanningConfiguration(call);
  if (op == "TagResource") co_return co_await TagResource(call);
  if (op == "UntagResource") co_return co_await UntagResource(call);
  if (op == "ListTagsForResource") co_return co_await ListTagsForResource(call);
  if (op == "ListImages") co_return co_await ListImages(call);
  if (op == "DescribeImages") co_return co_await DescribeImages(call);
  if (op == "BatchGetImage") co_return co_await BatchGetImage(call);
  if (op == "BatchDeleteImage") co_return co_await BatchDeleteImage(call);
  if (op == "PutImage") co_return co_await PutImage(call);
  if (op == "InitiateLayerUpload") co_return co_await InitiateLayerUpload(call);
  if (op == "UploadLayerPart") co_return co_await UploadLayerPart(call);
  if (op == "CompleteLayerUpload") co_return co_await CompleteLayerUpload(call);
  if (op == "BatchCheckLayerAvailability") co_return co_await BatchCheckLayerAvailability(call);
  if (op == "GetDownloadUrlForLayer") co_return co_await GetDownloadUrlForLayer(call);
  if (op == "GetAuthorizationToken") co_return co_await GetAuthorizationToken(call);
  if (op == "DescribeRegistry") co_return co_await DescribeRegistry(call);
  if (op == "GetAccountSetting") co_return co_await GetAccountSetting(call);
  if (op == "PutAccountSetting") co_return co_await PutAccountSetting(call);
  if (op == "ListImageReferrers") co_return co_await ListImageReferrers(call);
  if (op == "SetRepositoryPolicy") co_return co_await SetRepositoryPolicy(call);
  if (op == "GetRepositoryPolicy") co_return co_await GetRepositoryPolicy(call);
  if (op == "DeleteRepositoryPolicy") co_return co_await DeleteRepositoryPolicy(call);
  if (op == "PutRegistryPolicy") co_return co_await PutRegistryPolicy(call);
  if (op == "GetRegistryPolicy") co_return co_await GetRegistryPolicy(call);
  if (op == "DeleteRegistryPolicy") co_return co_await DeleteRegistryPolicy(call);
  if (op == "UpdateImageStorageClass") co_return co_await UpdateImageStorageClass(call);
  if (op == "RegisterPullTimeUpdateExclusion") co_return co_await RegisterPullTimeUpdateExclusion(call);
  if (op == "DeregisterPullTimeUpdateExclusion") co_return co_await DeregisterPullTimeUpdateExclusion(call);
  if (op == "ListPullTimeUpdateExclusions") co_return co_await ListPullTimeUpdateExclusions(call);
  if (op == "PutLifecyclePolicy") co_return co_await PutLifecyclePolicy(call);
  if (op == "GetLifecyclePolicy") co_return co_await GetLifecyclePolicy(call);
  if (op == "DeleteLifecyclePolicy") co_return co_await DeleteLifecyclePolicy(call);
  if (op == "StartLifecyclePolicyPreview") co_return co_await StartLifecyclePolicyPreview(call);
  if (op == "GetLifecyclePolicyPreview") co_return co_await GetLifecyclePolicyPreview(call);
  if (op == "PutRegistryScanningConfiguration") co_return co_await PutRegistryScanningConfiguration(call);
  if (op == "GetRegistryScanningConfiguration") co_return co_await GetRegistryScanningConfiguration(call);
  if (op == "BatchGetRepositoryScanningConfiguration") co_return co_await BatchGetRepositoryScanningConfiguration(call);
  if (op == "StartImageScan") co_return co_await StartImageScan(call);
  if (op == "CreatePullThroughCacheRule") co_return co_await CreatePullThroughCacheRule(call);
  if (op == "DescribePullThroughCacheRules") co_return co_await DescribePullThroughCacheRules(call);
  if (op == "UpdatePullThroughCacheRule") co_return co_await UpdatePullThroughCacheRule(call);
  if (op == "DeletePullThroughCacheRule") co_return co_await DeletePullThroughCacheRule(call);
  if (op == "ValidatePullThroughCacheRule") co_return co_await ValidatePullThroughCacheRule(call);
  if (op == "CreateRepositoryCreationTemplate") co_return co_await CreateRepositoryCreationTemplate(call);
  if (op == "DescribeRepositoryCreationTemplates") co_return co_await DescribeRepositoryCreationTemplates(call);
  if (op == "UpdateRepositoryCreationTemplate") co_return co_await UpdateRepositoryCreationTemplate(call);
  if (op == "DeleteRepositoryCreationTemplate") co_return co_await DeleteRepositoryCreationTemplate(call);
  if (op == "DescribeImageScanFindings") co_return co_await DescribeImageScanFindings(call);
  if (op == "PutReplicationConfiguration") co_return co_await PutReplicationConfiguration(call);
  if (op == "DescribeImageReplicationStatus") co_return co_await DescribeImageReplicationStatus(call);
  co_return Fail(Code::kUnimplemented,
                 std::string(op) + " is not supported by this registry yet", "UnsupportedOperationException");
}

Status EcrApi::CheckRegistryId(const json::object& input) const {
  std::string_view id = JsonStringView(input, "registryId");
  if (!id.empty() && id != options_.account_id) {
    return Fail(Code::kInvalidArgument,
                "registryId " + std::string(id) + " is not this registry (" + options_.account_id + ")",
                "InvalidParameterException");
  }
  return {};
}

Result<meta::RepositoryRecord> EcrApi::Repository(const json::object& input) {
  return RepositoryNamed(JsonStringView(input, "repositoryName"));
}

Result<meta::RepositoryRecord> EcrApi::RepositoryNamed(std::string_view name) {
  BERTH_ASSIGN(std::optional<meta::RepositoryRecord> repo, meta_.GetRepository(name));
  if (!repo) {
    return Fail(Code::kNotFound,
                "The repository with name '" + std::string(name) + "' does not exist in the registry with id '" +
                    options_.account_id + "'",
                "RepositoryNotFoundException");
  }
  return *repo;
}

std::string EcrApi::RepositoryArn(std::string_view name) const {
  return "arn:aws:ecr:" + options_.region + ":" + options_.account_id + ":repository/" + std::string(name);
}

std::string EcrApi::RepositoryUri(std::string_view name) const {
  std::string_view host = options_.external_url;
  if (size_t scheme = host.find("://"); scheme != std::string_view::npos) host.remove_prefix(scheme + 3);
  while (host.ends_with("/")) host.remove_suffix(1);
  return std::string(host) + "/" + std::string(name);
}

Result<meta::RepositoryRecord> EcrApi::RepositoryFromArn(std::string_view arn) {
  const std::string prefix = RepositoryArn("");
  if (!arn.starts_with(prefix) || !berth::oci::ValidateRepositoryName(arn.substr(prefix.size()))) {
    return Fail(Code::kInvalidArgument, "Invalid parameter at 'resourceArn': " + std::string(arn.substr(0, 300)) +
                                            " is not a repository ARN of this registry",
                "InvalidParameterException");
  }
  return RepositoryNamed(arn.substr(prefix.size()));
}

json::object EcrApi::RepositoryJson(const meta::RepositoryRecord& r) const {
  json::array filters;
  for (const std::string& f : r.mutability_filters) {
    filters.push_back(json::object{{"filterType", "WILDCARD"}, {"filter", f}});
  }
  json::object encryption{{"encryptionType", r.encryption_type}};
  if (!r.kms_key.empty()) encryption["kmsKey"] = r.kms_key;
  json::object out{{"repositoryArn", RepositoryArn(r.name)},
                   {"registryId", options_.account_id},
                   {"repositoryName", r.name},
                   {"repositoryUri", RepositoryUri(r.name)},
                   {"createdAt", r.created_at},
                   {"imageTagMutability", r.tag_mutability},
                   {"imageScanningConfiguration", json::object{{"scanOnPush", r.scan_on_push}}},
                   {"encryptionConfiguration", encryption}};
  if (!filters.empty()) out["imageTagMutabilityExclusionFilters"] = filters;
  return out;
}

}  // namespace berth::api::ecr
