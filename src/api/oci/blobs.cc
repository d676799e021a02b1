#include "api/oci/errors.h"
#include "api/oci/oci_api.h"
#include "async/blocking.h"
#include "oci/digest.h"
#include "oci/range.h"
#include "oci/names.h"

namespace berth::api::oci {
namespace {

// Serves a blob's bytes through the HTTP layer's body interface.
class BlobBody final : public http::StreamBody {
 public:
  explicit BlobBody(std::unique_ptr<blob::BlobReader> reader) : reader_(std::move(reader)) {}
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    return reader_->ReadAt(offset, out);
  }
  int native_fd() const override { return reader_->native_fd(); }
  bool blocking() const override { return reader_->blocking(); }

 private:
  std::unique_ptr<blob::BlobReader> reader_;
};

// The digest of a blob read or delete: one that cannot be parsed names nothing stored, so it is
// BLOB_UNKNOWN (404) rather than DIGEST_INVALID, which is for content a client sends.
Result<berth::oci::Digest> ReadableDigest(const Route& route) {
  Result<berth::oci::Digest> digest = berth::oci::Digest::Parse(route.ref);
  if (!digest) {
    return Fail(Code::kNotFound,
                "no blob of " + std::string(route.name) + " can be found under that digest: " +
                    digest.error().message(),
                "BLOB_UNKNOWN");
  }
  return digest;
}

}  // namespace

http::Task<Result<http::Response>> OciApi::GetBlob(http::Request& req, const Route& route, const auth::Principal& who) {
  std::optional<cache::Rule> rule;
  if (options_.pull_through != nullptr) rule = options_.pull_through->RuleFor(route.name);
  std::optional<meta::RepositoryId> repo;
  if (rule) {
    BERTH_CO_TRY(berth::oci::ValidateRepositoryName(route.name));
    BERTH_CO_ASSIGN(repo, meta_.FindRepository(route.name));
  } else {
    BERTH_CO_ASSIGN(repo, ExistingRepository(route.name));
  }
  BERTH_CO_ASSIGN(berth::oci::Digest digest, ReadableDigest(route));
  std::optional<uint64_t> size;
  if (repo) {
    BERTH_CO_ASSIGN(size, meta_.FindBlob(*repo, digest));
  }
  // A blob the cache is downloading is served from its download as the bytes arrive.
  std::shared_ptr<cache::BlobFetch> download;
  if (!size && rule) {
    BERTH_CO_ASSIGN(download, co_await BlobFromUpstream(req, route, who, *rule, digest, repo));
    if (download->state().started && !download->state().elsewhere && !download->state().finished) {
      size = download->state().size;
    } else {
      download.reset();
      BERTH_CO_ASSIGN(size, meta_.FindBlob(*repo, digest));
    }
  }
  if (!size) {
    co_return Fail(Code::kNotFound, "blob " + digest.str() + " is not in " + std::string(route.name),
                   "BLOB_UNKNOWN");
  }
  Response r{.status = 200};
  r.Set("Docker-Content-Digest", digest.str());
  r.Set("Content-Type", "application/octet-stream");
  r.Set("Accept-Ranges", "bytes");
  r.Set("ETag", "\"" + digest.str() + "\"");
  r.Set("Cache-Control", "max-age=31536000");
  uint64_t first = 0, length = *size;
  if (std::optional<std::string_view> range = req.Header("Range")) {
    Result<berth::oci::ByteSpan> span = berth::oci::ParseRangeHeader(*range, *size);
    if (!span) {
      Response bad = ErrorResponse(span.error());
      bad.Set("Content-Range", "bytes */" + std::to_string(*size));
      co_return bad;
    }
    first = span->first;
    length = span->length();
    r.status = 206;
    r.Set("Content-Range", "bytes " + std::to_string(span->first) + "-" +
                               std::to_string(span->last) + "/" + std::to_string(*size));
  }
  if (req.method() == http::Method::kHead) {
    // Answered from metadata alone: the blob file is not touched.
    r.head_length = length;
    co_return r;
  }
  if (download) {
    r.stream = cache::SpoolBody(std::move(download));
    r.stream_offset = first;
    r.stream_length = length;
    co_return r;
  }
  if (options_.blob_redirect) {
    if (std::optional<std::string> url = blobs_.PresignedUrl(digest, options_.blob_redirect_ttl)) {
      Response redirect{.status = 307};
      redirect.Set("Location", *url);
      redirect.Set("Docker-Content-Digest", digest.str());
      co_return redirect;
    }
  }
  BERTH_CO_ASSIGN(std::unique_ptr<blob::BlobReader> reader, co_await OnBlobThread([&] { return blobs_.Open(digest); }));
  r.stream = std::make_unique<BlobBody>(std::move(reader));
  r.stream_offset = first;
  r.stream_length = length;
  co_return r;
}

http::Task<Result<http::Response>> OciApi::DeleteBlob(const Route& route) {
  BERTH_CO_ASSIGN(meta::RepositoryId repo, ExistingRepository(route.name));
  BERTH_CO_ASSIGN(berth::oci::Digest digest, ReadableDigest(route));
  // Unlinks the blob from this repository; the bytes stay while other repositories hold them.
  BERTH_CO_ASSIGN(bool removed,
                  co_await async::RunBlocking(blocking_, [&] { return meta_.UnlinkBlob(repo, digest); }));
  if (!removed) {
    co_return Fail(Code::kNotFound, "blob " + digest.str() + " is not in " + std::string(route.name),
                   "BLOB_UNKNOWN");
  }
  Response r{.status = 202};
  r.Set("Docker-Content-Digest", digest.str());
  co_return r;
}

}  // namespace berth::api::oci
