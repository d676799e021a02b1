// api/oci/oci_api.h
//
// The OCI Distribution Spec v1.1 (and Docker Registry HTTP API v2) under /v2/, plus /healthz
// and /metrics: routes a request, authenticates it before any body byte is read, runs the
// endpoint against the metadata and blob stores, and turns failures into OCI errors (errors.h).
//
// One endpoint group per file: router.cc (dispatch, base, catalog, tags, referrers), blobs.cc,
// uploads.cc, manifests.cc, and the pull-through cache's part of reads (pull_through.cc).
//
// Thread-safe: handlers run concurrently on any I/O thread. Writes to the metadata store and
// fsyncs run on the blocking pool.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "api/access_control.h"
#include "api/auditor.h"
#include "api/oci/actions.h"
#include "api/oci/paths.h"
#include "async/blocking.h"
#include "auth/authenticator.h"
#include "blob/blob_store.h"
#include "cache/pull_through.h"
#include "http/message.h"
#include "api/pull_recorder.h"
#include "api/upload_locks.h"
#include "meta/creation_template.h"
#include "meta/metadata_store.h"
#include "oci/manifest.h"
#include "oci/names.h"
#include "telemetry/metrics.h"

namespace berth::scan {
class PullGate;
}

namespace berth::api::oci {

struct OciApiOptions {
  bool delete_enabled = true;
  std::chrono::seconds upload_idle_timeout{24 * 3600};
  size_t upload_chunk_bytes = 1024 * 1024;  // request-body buffer per streaming upload
  // Blob GETs answer 307 to a presigned URL of the blob store (S3), as distribution's
  // "redirect" option does, when the store can presign one.
  bool blob_redirect = false;
  std::chrono::seconds blob_redirect_ttl{20 * 60};
  // The Docker token flow (--auth-mode bearer): 401s challenge with Bearer and this realm (the
  // token endpoint, <external URL>/v2/token) and service; tokens live `bearer_ttl`.
  bool bearer = false;
  std::string bearer_realm;
  std::string bearer_service;
  std::chrono::seconds bearer_ttl{300};
  // Told of every stored manifest, after it is stored (scan on push); runs on the blocking pool.
  std::function<void(const meta::PushedImage&)> on_image_pushed;
  // Refuses manifest GETs of images whose findings reach a configured severity; none: no gate.
  scan::PullGate* pull_gate = nullptr;
  // Serves repositories under pull-through cache rules from their upstreams; none: no cache.
  cache::PullThrough* pull_through = nullptr;
};

class OciApi {
 public:
  // Every reference must outlive this object.
  OciApi(meta::MetadataStore& meta, blob::BlobStore& blobs, auth::Authenticator& authenticator,
         AccessControl& access, Auditor& auditor, boost::asio::thread_pool& blocking, telemetry::Metrics& metrics, PullRecorder& pulls,
         UploadLocks& upload_locks, OciApiOptions options, std::function<int64_t()> clock);

  http::Task<http::Response> Handle(http::Request& request);

  // Deletes upload sessions idle past the timeout and their partial files, and upload files
  // idle as long that no session owns. Blocking.
  Result<size_t> PurgeIdleUploads();

 private:
  template <class T>
  using Task = http::Task<Result<T>>;
  using Response = http::Response;

  // Routes and runs the request; `who` is the caller once authenticated.
  Task<Response> Dispatch(http::Request& req, const Route& route, std::optional<auth::Principal>& who);
  // Records pushes, pulls, deletes and refusals on the audit trail.
  void Audit(const http::Request& req, const Route& route, const std::optional<auth::Principal>& who,
             const Response& response);
  // Checks the route's action (actions.h) for `who`; a caller without credentials that is
  // refused is told to authenticate (401), not that it lacks rights.
  http::Task<Status> Authorize(http::Request& req, const Route& route, const RouteAction& row,
                               const auth::Principal& who);
  Task<Response> Catalog(http::Request& req, const auth::Principal& who);
  // token.cc: GET /v2/token, and what a route needs of a token.
  Task<Response> Token(http::Request& req);
  std::string ChallengeFor(const http::Request& req, const Route& route, bool insufficient_scope) const;
  Task<Response> Tags(http::Request& req, const Route& route);
  Task<Response> Referrers(http::Request& req, const Route& route);
  Task<Response> GetBlob(http::Request& req, const Route& route, const auth::Principal& who);
  Task<Response> DeleteBlob(const Route& route);
  Task<Response> StartUpload(http::Request& req, const Route& route, const auth::Principal& who);
  Task<Response> UploadStatus(const Route& route);
  Task<Response> PatchUpload(http::Request& req, const Route& route);
  Task<Response> FinishUpload(http::Request& req, const Route& route);
  Task<Response> CancelUpload(const Route& route);
  Task<Response> GetManifest(http::Request& req, const Route& route, const auth::Principal& who);
  // The pull-through cache's part of a manifest read (pull_through.cc): the upstream's manifest
  // when `local` is missing, or when the tag's TTL passed and it moved upstream; nullopt to
  // serve `local`. Creates the repository (`repo`) when the cache needs it.
  Task<std::optional<meta::ManifestRecord>> ManifestFromUpstream(http::Request& req, const Route& route,
                                                                 const auth::Principal& who, const cache::Rule& rule,
                                                                 const berth::oci::Reference& ref,
                                                                 std::optional<meta::RepositoryId>& repo,
                                                                 const std::optional<meta::ManifestRecord>& local);
  // Its part of a blob read the registry cannot answer: the upstream download, once started.
  Task<std::shared_ptr<cache::BlobFetch>> BlobFromUpstream(http::Request& req, const Route& route,
                                                           const auth::Principal& who, const cache::Rule& rule,
                                                           const berth::oci::Digest& digest,
                                                           std::optional<meta::RepositoryId>& repo);
  // ecr:BatchImportUpstreamImage (and ecr:CreateRepository when the repository is new).
  Status RequireImport(http::Request& req, const auth::Principal& who, std::string_view name, bool creates);
  Task<Response> PutManifest(http::Request& req, const Route& route, const auth::Principal& who);
  Task<Response> DeleteManifest(const Route& route);

  // The repository named by the route, for reads, deletes and upload steps: NAME_UNKNOWN if it
  // is absent or off-grammar (no repository can have such a name).
  Result<meta::RepositoryId> ExistingRepository(std::string_view name);
  // The same with its policy and tags, read together (one cache lookup for a pull).
  Result<meta::FoundRepository> ExistingRepositoryAccess(std::string_view name);
  Task<meta::RepositoryId> RepositoryForPush(std::string_view name, std::string_view applied_for = meta::kCreateOnPush);
  // Runs a blob store call where it may run: inline for a local store, on the blocking pool for
  // a remote() one, whose calls wait on the network.
  template <class F>
  http::Task<std::invoke_result_t<F&>> OnBlobThread(F&& f) {
    if (!blobs_.remote()) co_return f();
    co_return co_await async::RunBlocking(blocking_, f);
  }
  // Streams the rest of the request body into `writer`.
  Task<uint64_t> StreamBody(http::Request& req, blob::BlobWriter& writer);
  // Appends the body to the session (checking Content-Range) and checkpoints it.
  Task<std::unique_ptr<blob::BlobWriter>> AppendToUpload(http::Request& req,
                                                          const meta::UploadRecord& upload);
  Task<Response> CommitUpload(const std::string& name, const std::string& upload_id,
                              blob::BlobWriter& writer, const berth::oci::Digest& digest);
  Task<meta::UploadRecord> NewUploadSession(meta::RepositoryId repo);
  Result<meta::UploadRecord> FindUpload(const Route& route);

  // The write lock on an upload, or RANGE_INVALID when another request holds it.
  Result<UploadLocks::Guard> LockUpload(const std::string& id);

  Response Metrics() const;

  meta::MetadataStore& meta_;
  blob::BlobStore& blobs_;
  auth::Authenticator& authenticator_;
  AccessControl& access_;
  Auditor& auditor_;
  boost::asio::thread_pool& blocking_;
  telemetry::Metrics& metrics_;
  PullRecorder& pulls_;
  const OciApiOptions options_;
  std::function<int64_t()> clock_;

  UploadLocks& upload_locks_;
};

// Helpers shared by the endpoint files.
std::string UploadLocation(std::string_view name, std::string_view id);
std::string UploadRange(uint64_t size);

}  // namespace berth::api::oci
