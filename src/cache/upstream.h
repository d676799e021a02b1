// cache/upstream.h
//
// An upstream registry as the pull-through cache reads it through the OCI distribution API:
// manifests by tag or digest, blobs streamed, and the tag's current digest (HEAD). It speaks
// the registries' authentication: an anonymous first try, then on 401 the challenge's scheme:
// Bearer (the token flow of the Docker registry spec, with the rule's credentials as Basic on
// the token endpoint when it has some; tokens cached per scope until they expire) or Basic.
// Blob redirects (to a CDN or a bucket) are followed without the registry's credentials.
//
// Errors: kNotFound (MANIFEST_UNKNOWN, BLOB_UNKNOWN) when the upstream has no such thing;
// kPermissionDenied when it refuses the credentials; kUnavailable when it cannot be reached or
// fails. Blocking; thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "cache/token_flow.h"
#include "http/client.h"
#include "oci/digest.h"

namespace berth::cache {

struct UpstreamManifest {
  std::string media_type;
  std::string payload;
  oci::Digest digest;
};

inline constexpr size_t kMaxUpstreamManifestBytes = 4 << 20;

class Upstream {
 public:
  // `data` serves manifests and blobs; `quick` (a short deadline) the tag checks, so an
  // upstream that hangs delays a cached pull by seconds at most.
  Upstream(http::Client& data, http::Client& quick, http::Url base, std::optional<Credentials> credentials);

  Result<UpstreamManifest> GetManifest(std::string_view repository, std::string_view reference);
  Result<oci::Digest> HeadManifest(std::string_view repository, std::string_view reference);
  // The blob's bytes: a 200 answer whose body is the blob.
  Result<std::unique_ptr<http::ClientResponse>> GetBlob(std::string_view repository, const oci::Digest& digest);
  // Whether the registry answers and accepts the credentials (ValidatePullThroughCacheRule):
  // GET /v2/, authenticating as its challenge asks.
  Status Check();

 private:
  Result<std::unique_ptr<http::ClientResponse>> Send(http::Client& client, std::string method, std::string target,
                                                     std::string_view repository, std::string_view accept,
                                                     bool follow_redirects);
  Result<std::string> FetchToken(http::Client& client, std::string_view challenge, std::string_view repository);
  std::optional<std::string> Authorization(std::string_view repository);

  http::Client& data_;
  http::Client& quick_;
  const http::Url base_;
  const std::optional<Credentials> credentials_;
  TokenCache tokens_;                // by repository ("" for the /v2/ check)
  std::atomic<bool> basic_ = false;  // the registry asked for Basic
};

}  // namespace berth::cache
