#include <vector>

#include "api/oci/errors.h"
#include "api/oci/oci_api.h"
#include "api/upload_sessions.h"
#include "async/blocking.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "oci/digest.h"
#include "oci/names.h"
#include "oci/range.h"
#include "telemetry/log.h"

namespace berth::api::oci {
namespace {

http::Response Accepted(std::string_view name, std::string_view id, uint64_t size, int status) {
  http::Response r{.status = status};
  r.Set("Location", UploadLocation(name, id));
  r.Set("Range", UploadRange(size));
  r.Set("Docker-Upload-UUID", std::string(id));
  return r;
}

}  // namespace

Result<UploadLocks::Guard> OciApi::LockUpload(const std::string& id) {
  std::optional<UploadLocks::Guard> guard = upload_locks_.TryLock(id);
  if (!guard) {
    return Fail(Code::kFailedPrecondition, "another request is writing this upload", "RANGE_INVALID");
  }
  return std::move(*guard);
}

http::Task<Result<meta::UploadRecord>> OciApi::NewUploadSession(meta::RepositoryId repo) {
  meta::UploadRecord upload{.id = crypto::RandomUuid(), .repository = repo, .size = 0,
                            .hash_state = crypto::Sha256().SaveState(), .updated_at = clock_()};
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.CreateUpload(upload); }));
  co_return upload;
}

Result<meta::UploadRecord> OciApi::FindUpload(const Route& route) {
  BERTH_ASSIGN(meta::RepositoryId repo, ExistingRepository(route.name));
  // An ID the registry could not have minted names no session (and never reaches the store).
  std::optional<meta::UploadRecord> upload;
  if (blob::IsValidUploadId(route.ref)) {
    BERTH_ASSIGN(upload, meta_.GetUpload(route.ref));
  }
  // A session belongs to its repository: from any other it does not exist.
  if (!upload || upload->repository != repo ||
      IdlePastTimeout(*upload, clock_(), options_.upload_idle_timeout)) {
    return Fail(Code::kNotFound, "upload " + std::string(route.ref).substr(0, 64) + " is not known",
                "BLOB_UPLOAD_UNKNOWN");
  }
  return *std::move(upload);
}

http::Task<Result<uint64_t>> OciApi::StreamBody(http::Request& req, blob::BlobWriter& writer) {
  blob::AlignedBuffer aligned(options_.upload_chunk_bytes);
  std::span<char> buffer = aligned.span();
  uint64_t total = 0;
  metrics_.UploadStarted();
  Status status;
  bool ended = false;
  while (!ended) {
    // The buffer is filled before the writer sees it: a socket read returns what one segment
    // train brought (often 64 KiB), and each Append is a disk write (a VM exit on virtio) and a
    // hash call. Whole buffers keep file offsets block-aligned for O_DIRECT, too.
    size_t filled = 0;
    while (filled < buffer.size()) {
      Result<size_t> n = co_await req.ReadBody(buffer.subspan(filled));
      if (!n) {
        status = std::unexpected(WithReason(std::move(n).error(), "BLOB_UPLOAD_INVALID"));
        break;
      }
      if (*n == 0) {
        ended = true;
        break;
      }
      filled += *n;
    }
    if (!status || filled == 0) break;
    status = writer.Append(std::string_view(buffer.data(), filled));
    if (status && writer.flush_due()) {
      status = co_await async::RunBlocking(blocking_, [&] { return writer.Flush(); });
    }
    if (!status) break;
    total += filled;
  }
  metrics_.UploadFinished();
  if (!status) co_return std::unexpected(std::move(status).error());
  co_return total;
}

http::Task<Result<std::unique_ptr<blob::BlobWriter>>> OciApi::AppendToUpload(
    http::Request& req, const meta::UploadRecord& upload) {
  BERTH_CO_ASSIGN(std::unique_ptr<blob::BlobWriter> writer, co_await OnBlobThread([&] {
                    return blobs_.ResumeWriter(upload.id, upload.size, upload.hash_state);
                  }));
  if (std::optional<std::string_view> header = req.Header("Content-Range")) {
    BERTH_CO_ASSIGN(berth::oci::ByteSpan range, berth::oci::ParseContentRange(*header));
    // Chunks arrive in order, without gaps or overlaps.
    if (range.first != upload.size) {
      co_return Fail(Code::kFailedPrecondition,
                     "chunk starts at byte " + std::to_string(range.first) +
                         " but the upload has " + std::to_string(upload.size) + " bytes",
                     "RANGE_INVALID");
    }
    std::optional<uint64_t> length = req.content_length();
    if (length && *length != range.length()) {
      co_return Fail(Code::kInvalidArgument,
                     "Content-Range covers " + std::to_string(range.length()) +
                         " bytes but Content-Length is " + std::to_string(*length),
                     "RANGE_INVALID");
    }
  }
  BERTH_CO_ASSIGN(uint64_t received, co_await StreamBody(req, *writer));
  if (received == 0) co_return writer;
  const int64_t now = clock_();
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&]() -> Status {
    BERTH_TRY(writer->Checkpoint());
    return meta_.SaveUploadProgress(upload.id, upload.size, writer->size(), writer->resume_state(), now);
  }));
  co_return writer;
}

http::Task<Result<http::Response>> OciApi::CommitUpload(const std::string& name,
                                                        const std::string& upload_id,
                                                        blob::BlobWriter& writer,
                                                        const berth::oci::Digest& digest) {
  const int64_t now = clock_();
  Status committed = co_await async::RunBlocking(blocking_, [&]() -> Status {
    Result<berth::oci::Digest> stored = writer.Commit(digest);
    if (!stored) return std::unexpected(std::move(stored).error());
    return meta_.CommitUpload(upload_id, digest, writer.size(), now, BytesPresent(blobs_, digest));
  });
  if (!committed) {
    if (committed.error().reason() == "DIGEST_INVALID" || committed.error().code() == Code::kUnavailable) {
      // The bytes can never become this blob: end the session so nothing lingers.
      (void)co_await async::RunBlocking(blocking_, [&] { return EndUploadSession(meta_, blobs_, upload_id); });
    }
    co_return std::unexpected(std::move(committed).error());
  }
  Response r{.status = 201};
  r.Set("Location", "/v2/" + name + "/blobs/" + digest.str());
  r.Set("Docker-Content-Digest", digest.str());
  co_return r;
}

http::Task<Result<http::Response>> OciApi::StartUpload(http::Request& req, const Route& route,
                                                       const auth::Principal& who) {
  BERTH_CO_ASSIGN(meta::RepositoryId repo, co_await RepositoryForPush(route.name));
  const std::string name(route.name);
  std::string_view query = req.query();

  std::optional<std::string> mount = QueryParam(query, "mount");
  if (mount) {
    // Cross-repository mounts can be turned off registry-wide (ECR's BLOB_MOUNTING setting);
    // then the request is an ordinary upload.
    BERTH_CO_ASSIGN(std::optional<std::string> setting, meta_.GetSetting("BLOB_MOUNTING"));
    if (setting && *setting == "DISABLED") mount.reset();
  }
  if (mount) {
    BERTH_CO_ASSIGN(berth::oci::Digest digest, berth::oci::Digest::Parse(*mount));
    std::optional<std::string> from = QueryParam(query, "from");
    // Mounting reads the source: without pull rights there the upload goes on as if the source
    // had nothing, so a refusal tells nothing about it.
    bool may_read_source = false;
    if (from && (!who.bearer_access || auth::Covers(*who.bearer_access, "repository", *from, "pull"))) {
      BERTH_CO_ASSIGN(may_read_source, access_.AllowedOnRepository(who, "ecr:GetDownloadUrlForLayer", *from, req));
    }
    if (from && may_read_source && berth::oci::ValidateRepositoryName(*from)) {
      BERTH_CO_ASSIGN(std::optional<meta::RepositoryId> source, meta_.FindRepository(*from));
      if (source) {
        const int64_t now = clock_();
        BERTH_CO_ASSIGN(bool mounted, co_await async::RunBlocking(blocking_, [&] {
          return meta_.MountBlob(repo, *source, digest, now);
        }));
        if (mounted) {
          Response r{.status = 201};
          r.Set("Location", "/v2/" + name + "/blobs/" + digest.str());
          r.Set("Docker-Content-Digest", digest.str());
          co_return r;
        }
      }
    }
    // The source cannot provide it: fall back to an ordinary upload, as the spec asks.
  }

  BERTH_CO_ASSIGN(meta::UploadRecord upload, co_await NewUploadSession(repo));
  if (std::optional<std::string> digest_param = QueryParam(query, "digest")) {
    // Monolithic upload: the whole blob is this request's body.
    BERTH_CO_ASSIGN(berth::oci::Digest digest, berth::oci::Digest::Parse(*digest_param));
    BERTH_CO_ASSIGN(UploadLocks::Guard guard, LockUpload(upload.id));
    BERTH_CO_ASSIGN(std::unique_ptr<blob::BlobWriter> writer, blobs_.NewWriter(upload.id));
    BERTH_CO_TRY(co_await StreamBody(req, *writer));
    co_return co_await CommitUpload(name, upload.id, *writer, digest);
  }
  Response r = Accepted(name, upload.id, 0, 202);
  co_return r;
}

http::Task<Result<http::Response>> OciApi::UploadStatus(const Route& route) {
  BERTH_CO_ASSIGN(meta::UploadRecord upload, FindUpload(route));
  co_return Accepted(route.name, upload.id, upload.size, 204);
}

http::Task<Result<http::Response>> OciApi::PatchUpload(http::Request& req, const Route& route) {
  BERTH_CO_ASSIGN(meta::UploadRecord upload, FindUpload(route));
  BERTH_CO_ASSIGN(UploadLocks::Guard guard, LockUpload(upload.id));
  // Re-read under the lock: a request that finished just before may have moved the offset.
  BERTH_CO_ASSIGN(upload, FindUpload(route));
  BERTH_CO_ASSIGN(std::unique_ptr<blob::BlobWriter> writer, co_await AppendToUpload(req, upload));
  co_return Accepted(route.name, upload.id, writer->size(), 202);
}

http::Task<Result<http::Response>> OciApi::FinishUpload(http::Request& req, const Route& route) {
  BERTH_CO_ASSIGN(meta::UploadRecord upload, FindUpload(route));
  BERTH_CO_ASSIGN(UploadLocks::Guard guard, LockUpload(upload.id));
  BERTH_CO_ASSIGN(upload, FindUpload(route));
  std::optional<std::string> digest_param = QueryParam(req.query(), "digest");
  if (!digest_param) {
    co_return Fail(Code::kInvalidArgument, "the digest query parameter is required",
                   "DIGEST_INVALID");
  }
  // Checked before any body byte is taken, so a bad digest wastes no upload.
  BERTH_CO_ASSIGN(berth::oci::Digest digest, berth::oci::Digest::Parse(*digest_param));
  BERTH_CO_ASSIGN(std::unique_ptr<blob::BlobWriter> writer, co_await AppendToUpload(req, upload));
  co_return co_await CommitUpload(std::string(route.name), upload.id, *writer, digest);
}

http::Task<Result<http::Response>> OciApi::CancelUpload(const Route& route) {
  BERTH_CO_ASSIGN(meta::UploadRecord upload, FindUpload(route));
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return EndUploadSession(meta_, blobs_, upload.id); }));
  co_return Response{.status = 204};
}

Result<size_t> OciApi::PurgeIdleUploads() {
  const int64_t cutoff = clock_() - options_.upload_idle_timeout.count();
  BERTH_ASSIGN(std::vector<std::string> idle, meta_.IdleUploads(cutoff, 1000));
  size_t purged = 0;
  for (const std::string& id : idle) {
    std::optional<UploadLocks::Guard> guard = upload_locks_.TryLock(id);
    if (!guard) continue;  // being written right now: not idle after all
    BERTH_TRY(EndUploadSession(meta_, blobs_, id));
    ++purged;
  }
  // Data without a session: written by a request that raced the session's end (a cancel, a
  // deleted repository). Session ids are never reused, so an idle file without a row is garbage.
  BERTH_ASSIGN(std::vector<blob::BlobStore::UploadData> files, blobs_.ListUploads(10000));
  for (const blob::BlobStore::UploadData& file : files) {
    if (file.written_at >= cutoff) continue;
    BERTH_ASSIGN(std::optional<meta::UploadRecord> session, meta_.GetUpload(file.id));
    std::optional<UploadLocks::Guard> guard = upload_locks_.TryLock(file.id);
    if (session || !guard) continue;
    BERTH_TRY(blobs_.DeleteUpload(file.id));
    ++purged;
  }
  return purged;
}

}  // namespace berth::api::oci
