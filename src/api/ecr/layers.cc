#include <boost/json/array.hpp>

#include "api/ecr/ecr_api.h"
#include "api/upload_sessions.h"
#include "async/blocking.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "oci/digest.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

}  // namespace

Result<EcrApi::LockedUpload> EcrApi::LockUpload(const meta::RepositoryRecord& repo,
                                                const std::string& upload_id) {
  std::optional<UploadLocks::Guard> guard = upload_locks_.TryLock(upload_id);
  if (!guard) {
    return Fail(Code::kInvalidArgument, "another request is writing upload " + upload_id,
                "InvalidLayerPartException");
  }
  BERTH_ASSIGN(std::optional<meta::UploadRecord> upload, meta_.GetUpload(upload_id));
  // A session belongs to its repository: from any other it does not exist.
  if (!upload || upload->repository != repo.id ||
      IdlePastTimeout(*upload, clock_(), options_.upload_idle_timeout)) {
    return Fail(Code::kNotFound, "The upload with id '" + upload_id + "' does not exist",
                "UploadNotFoundException");
  }
  return LockedUpload{std::move(*guard), std::move(*upload)};
}

http::Task<EcrApi::Output> EcrApi::InitiateLayerUpload(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  meta::UploadRecord upload{.id = crypto::RandomUuid(), .repository = repo.id, .size = 0,
                            .hash_state = crypto::Sha256().SaveState(), .updated_at = clock_()};
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.CreateUpload(upload); }));
  co_return json::object{{"uploadId", upload.id}, {"partSize", options_.layer_part_size}};
}

http::Task<EcrApi::Output> EcrApi::UploadLayerPart(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  const std::string upload_id(JsonStringView(call.input, "uploadId"));
  BERTH_CO_ASSIGN(LockedUpload locked, LockUpload(repo, upload_id));
  const std::optional<meta::UploadRecord> upload = std::move(locked.record);
  std::optional<std::string> part = crypto::Base64Decode(JsonStringView(call.input, "layerPartBlob"));
  if (!part) co_return Fail(Code::kInvalidArgument, "layerPartBlob is not valid base64", "InvalidParameterException");
  const int64_t first = call.input.at("partFirstByte").to_number<int64_t>();
  const int64_t last = call.input.at("partLastByte").to_number<int64_t>();
  // Parts arrive in order and exactly cover the bytes they claim.
  if (first != static_cast<int64_t>(upload->size) || last - first + 1 != static_cast<int64_t>(part->size())) {
    const int64_t valid = static_cast<int64_t>(upload->size) - 1;
    json::object err{{"registryId", options_.account_id}, {"repositoryName", repo.name}, {"uploadId", upload_id},
                     {"lastValidByteReceived", valid < 0 ? 0 : valid}};
    co_return Fail(Code::kInvalidArgument,
                   "The layer part must start at byte " + std::to_string(upload->size) + " and its size must be " +
                       "partLastByte - partFirstByte + 1 (last valid byte received: " + std::to_string(valid) + ")",
                   "InvalidLayerPartException");
  }
  const int64_t now = clock_();
  Result<uint64_t> size = co_await async::RunBlocking(blocking_, [&]() -> Result<uint64_t> {
    BERTH_ASSIGN(std::unique_ptr<blob::BlobWriter> writer,
                 blobs_.ResumeWriter(upload->id, upload->size, upload->hash_state));
    BERTH_TRY(writer->Append(*part));
    BERTH_TRY(writer->Checkpoint());
    BERTH_TRY(meta_.SaveUploadProgress(upload->id, upload->size, writer->size(), writer->resume_state(), now));
    return writer->size();
  });
  if (!size) {
    if (size.error().code() == Code::kNotFound) {
      co_return Fail(Code::kNotFound, "The upload with id '" + upload_id + "' does not exist", "UploadNotFoundException");
    }
    if (size.error().reason() == "RANGE_INVALID") {
      co_return Fail(Code::kInvalidArgument, size.error().message(), "InvalidLayerPartException");
    }
    co_return std::unexpected(size.error());
  }
  co_return json::object{{"registryId", options_.account_id}, {"repositoryName", repo.name},
                         {"uploadId", upload_id}, {"lastByteReceived", static_cast<int64_t>(*size) - 1}};
}

http::Task<EcrApi::Output> EcrApi::CompleteLayerUpload(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  const std::string upload_id(JsonStringView(call.input, "uploadId"));
  BERTH_CO_ASSIGN(LockedUpload locked, LockUpload(repo, upload_id));
  const std::optional<meta::UploadRecord> upload = std::move(locked.record);
  const json::array& digests = call.input.at("layerDigests").as_array();
  if (digests.empty()) co_return Fail(Code::kInvalidArgument, "layerDigests is empty", "InvalidParameterException");
  Result<berth::oci::Digest> digest = berth::oci::Digest::Parse(digests[0].as_string());
  if (!digest || digest->algorithm() != berth::oci::DigestAlgorithm::kSha256) {
    co_return Fail(Code::kInvalidArgument, "Invalid parameter at 'layerDigests': not a sha256 digest",
                   "InvalidParameterException");
  }
  if (upload->size == 0) {
    co_return Fail(Code::kInvalidArgument, "The upload with id '" + upload_id + "' has no parts", "EmptyUploadException");
  }
  BERTH_CO_ASSIGN(std::optional<uint64_t> existing, meta_.FindBlob(repo.id, *digest));
  auto end_session = [&] { return EndUploadSession(meta_, blobs_, upload_id); };
  if (existing) {
    BERTH_CO_TRY(co_await async::RunBlocking(blocking_, end_session));
    co_return Fail(Code::kAlreadyExists,
                   "The layer with digest " + digest->str() + " already exists in the repository with name '" +
                       repo.name + "'",
                   "LayerAlreadyExistsException");
  }
  const int64_t now = clock_();
  Status committed = co_await async::RunBlocking(blocking_, [&]() -> Status {
    BERTH_ASSIGN(std::unique_ptr<blob::BlobWriter> writer,
                 blobs_.ResumeWriter(upload->id, upload->size, upload->hash_state));
    Result<berth::oci::Digest> stored = writer->Commit(*digest);
    if (!stored) return std::unexpected(stored.error());
    return meta_.CommitUpload(upload->id, *digest, upload->size, now, BytesPresent(blobs_, *digest));
  });
  if (!committed) {
    if (committed.error().reason() == "DIGEST_INVALID") {
      (void)co_await async::RunBlocking(blocking_, end_session);
      co_return Fail(Code::kInvalidArgument, committed.error().message(), "InvalidLayerException");
    }
    if (committed.error().code() == Code::kUnavailable) (void)co_await async::RunBlocking(blocking_, end_session);
    co_return std::unexpected(committed.error());
  }
  co_return json::object{{"registryId", options_.account_id}, {"repositoryName", repo.name},
                         {"uploadId", upload_id}, {"layerDigest", digest->str()}};
}

http::Task<EcrApi::Output> EcrApi::BatchCheckLayerAvailability(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  json::array layers, failures;
  for (const json::value& d : call.input.at("layerDigests").as_array()) {
    Result<berth::oci::Digest> digest = berth::oci::Digest::Parse(d.as_string());
    if (!digest) {
      failures.push_back(json::object{{"layerDigest", d}, {"failureCode", "InvalidLayerDigest"},
                                      {"failureReason", "Invalid layer digest"}});
      continue;
    }
    BERTH_CO_ASSIGN(std::optional<uint64_t> size, meta_.FindBlob(repo.id, *digest));
    if (!size) {
      failures.push_back(json::object{{"layerDigest", d}, {"failureCode", "MissingLayerDigest"},
                                      {"failureReason", "Requested layer not found"}});
      continue;
    }
    layers.push_back(json::object{{"layerDigest", digest->str()}, {"layerAvailability", "AVAILABLE"},
                                  {"layerSize", static_cast<int64_t>(*size)}});
  }
  co_return json::object{{"layers", layers}, {"failures", failures}};
}

http::Task<EcrApi::Output> EcrApi::GetDownloadUrlForLayer(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  Result<berth::oci::Digest> digest = berth::oci::Digest::Parse(JsonStringView(call.input, "layerDigest"));
  if (!digest) co_return Fail(Code::kInvalidArgument, "Invalid parameter at 'layerDigest'", "InvalidParameterException");
  BERTH_CO_ASSIGN(std::optional<uint64_t> size, meta_.FindBlob(repo.id, *digest));
  if (!size) {
    co_return Fail(Code::kNotFound,
                   "The layer with digest " + digest->str() + " does not exist in the repository with name '" +
                       repo.name + "'",
                   "LayersNotFoundException");
  }
  std::string base = options_.external_url;
  while (base.ends_with("/")) base.pop_back();
  const std::string url = base + "/v2/" + repo.name + "/blobs/" + digest->str() + "?" +
                          authenticator_.PresignBlob(repo.name, digest->str(), call.principal,
                                                     clock_() + options_.download_url_ttl_seconds);
  co_return json::object{{"downloadUrl", url}, {"layerDigest", digest->str()}};
}

}  // namespace berth::api::ecr
