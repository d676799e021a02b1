#include "cache/upstream.h"

#include <boost/json/parse.hpp>

#include <chrono>

#include "base/json.h"
#include "base/strings.h"
#include "crypto/random.h"

namespace berth::cache {
namespace {

namespace json = boost::json;

constexpr std::string_view kManifestTypes =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
constexpr int kMaxRedirects = 5;

std::unexpected<Error> Failed(std::string_view what, const http::ClientResponse& r) {
  return UnexpectedAnswer(std::string(what) + ": the upstream", r.status);
}

}  // namespace

Upstream::Upstream(http::Client& data, http::Client& quick, http::Url base, std::optional<Credentials> credentials)
    : data_(data), quick_(quick), base_(std::move(base)), credentials_(std::move(credentials)) {}

std::optional<std::string> Upstream::Authorization(std::string_view repository) {
  if (std::optional<std::string> bearer = tokens_.Authorization(repository)) return bearer;
  if (basic_ && credentials_) return BasicAuthorization(*credentials_);
  return std::nullopt;
}

Result<std::string> Upstream::FetchToken(http::Client& client, std::string_view challenge, std::string_view repository) {
  BERTH_ASSIGN(BearerToken token,
               FetchBearerToken(client, challenge, repository.empty() ? "" : "repository:" + std::string(repository) + ":pull",
                                credentials_));
  std::string value = token.value;
  tokens_.Put(repository, std::move(token));
  return value;
}

Result<std::unique_ptr<http::ClientResponse>> Upstream::Send(http::Client& client, std::string method,
                                                             std::string target, std::string_view repository,
                                                             std::string_view accept, bool follow_redirects) {
  http::Url url = base_;
  url.target = std::move(target);
  bool authenticated_once = false;
  bool own_origin = true;
  for (int hop = 0; hop <= kMaxRedirects;) {
    http::ClientRequest request{.method = method, .url = url};
    if (!accept.empty()) request.headers.emplace_back("Accept", std::string(accept));
    if (own_origin) {
      if (std::optional<std::string> auth = Authorization(repository)) request.headers.emplace_back("Authorization", *auth);
    }
    BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> r, client.Send(request));
    if (r->status == 401 && own_origin && !authenticated_once) {
      authenticated_once = true;
      const std::string challenge(r->Header("WWW-Authenticate").value_or(""));
      r.reset();
      if (IEquals(challenge.substr(0, 6), "Bearer")) {
        BERTH_TRY(FetchToken(client, challenge, repository));
      } else if (IEquals(challenge.substr(0, 5), "Basic") && credentials_) {
        basic_ = true;
      } else {
        return Fail(Code::kPermissionDenied, "the upstream requires credentials the rule does not have");
      }
      continue;
    }
    if (follow_redirects && (r->status == 301 || r->status == 302 || r->status == 303 || r->status == 307 ||
                             r->status == 308)) {
      std::optional<std::string_view> location = r->Header("Location");
      if (!location) return Failed("a redirect without a Location", *r);
      BERTH_ASSIGN(http::Url next, url.Resolve(*location));
      // The registry's credentials stay with the registry.
      own_origin = own_origin && next.Origin() == base_.Origin();
      url = std::move(next);
      ++hop;
      continue;
    }
    return r;
  }
  return Fail(Code::kUnavailable, "the upstream redirected more than " + std::to_string(kMaxRedirects) + " times");
}

Result<UpstreamManifest> Upstream::GetManifest(std::string_view repository, std::string_view reference) {
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> r,
               Send(data_, "GET", "/v2/" + std::string(repository) + "/manifests/" + std::string(reference), repository,
                    kManifestTypes, true));
  if (r->status == 404) {
    return Fail(Code::kNotFound, "the upstream has no manifest " + std::string(reference) + " in " + std::string(repository),
                "MANIFEST_UNKNOWN");
  }
  if (r->status != 200) return Failed("fetching a manifest", *r);
  std::string media_type(r->Header("Content-Type").value_or(""));
  if (const size_t semi = media_type.find(';'); semi != std::string::npos) media_type.resize(semi);
  BERTH_ASSIGN(std::string payload, r->ReadAll(kMaxUpstreamManifestBytes));
  oci::Digest digest = oci::Digest::Sha256Of(payload);
  UpstreamManifest m{.media_type = std::move(media_type), .payload = std::move(payload), .digest = std::move(digest)};
  Result<oci::Digest> asked = oci::Digest::Parse(reference);
  if (asked && *asked != m.digest) {
    return Fail(Code::kUnavailable, "the upstream's manifest does not hash to " + std::string(reference));
  }
  return m;
}

Result<oci::Digest> Upstream::HeadManifest(std::string_view repository, std::string_view reference) {
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> r,
               Send(quick_, "HEAD", "/v2/" + std::string(repository) + "/manifests/" + std::string(reference),
                    repository, kManifestTypes, true));
  if (r->status == 404) {
    return Fail(Code::kNotFound, "the upstream has no manifest " + std::string(reference), "MANIFEST_UNKNOWN");
  }
  if (r->status != 200) return Failed("checking a tag", *r);
  std::optional<std::string_view> digest = r->Header("Docker-Content-Digest");
  if (digest) {
    if (Result<oci::Digest> parsed = oci::Digest::Parse(*digest)) return *parsed;
  }
  // A registry that does not say: ask for the bytes.
  r.reset();
  BERTH_ASSIGN(UpstreamManifest m, GetManifest(repository, reference));
  return m.digest;
}

Result<std::unique_ptr<http::ClientResponse>> Upstream::GetBlob(std::string_view repository, const oci::Digest& digest) {
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> r,
               Send(data_, "GET", "/v2/" + std::string(repository) + "/blobs/" + digest.str(), repository, "", true));
  if (r->status == 404) {
    return Fail(Code::kNotFound, "the upstream has no blob " + digest.str() + " in " + std::string(repository),
                "BLOB_UNKNOWN");
  }
  if (r->status != 200) return Failed("fetching a blob", *r);
  return r;
}

Status Upstream::Check() {
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> r, Send(quick_, "GET", "/v2/", "", "", false));
  if (r->status != 200) return Failed("GET /v2/", *r);
  return {};
}

}  // namespace berth::cache
