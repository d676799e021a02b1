#include "api/oci/errors.h"
#include "api/oci/oci_api.h"
#include "async/blocking.h"
#include "base/strings.h"
#include "http/body.h"
#include "meta/new_manifest.h"
#include "oci/convert.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/names.h"
#include "replication/configuration.h"
#include "scan/pull_gate.h"

namespace berth::api::oci {
namespace {

namespace o = berth::oci;

// Whether an Accept header (all values, comma-joined) admits `media_type`. No Accept header, or
// a wildcard, admits everything.
bool Accepts(std::optional<std::string_view> accept, std::string_view media_type) {
  if (!accept || Trim(*accept).empty()) return true;
  std::string_view rest = *accept;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = Trim(rest.substr(0, comma));
    item = Trim(item.substr(0, item.find(';')));
    if (item == media_type || item == "*/*" || item == "application/*") return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

// The reference of a manifest read or delete. Nothing can be stored under a reference that is
// neither a tag nor a digest, so it is MANIFEST_UNKNOWN (404), as the OCI conformance suite
// expects; only a PUT is told TAG_INVALID or DIGEST_INVALID.
Result<o::Reference> ReadableReference(const Route& route) {
  Result<o::Reference> ref = o::Reference::Parse(route.ref);
  if (!ref) {
    return Fail(Code::kNotFound,
                "no manifest of " + std::string(route.name) + " can be found under that reference: " +
                    ref.error().message(),
                "MANIFEST_UNKNOWN");
  }
  return ref;
}

}  // namespace

http::Task<Result<http::Response>> OciApi::GetManifest(http::Request& req, const Route& route,
                                                       const auth::Principal& who) {
  std::optional<cache::Rule> rule;
  if (options_.pull_through != nullptr) rule = options_.pull_through->RuleFor(route.name);
  std::optional<meta::RepositoryId> repo;
  std::optional<meta::RepositoryAccess> access;  // for the pull gate, read with the repository
  if (rule) {
    BERTH_CO_TRY(o::ValidateRepositoryName(route.name));
    BERTH_CO_ASSIGN(repo, meta_.FindRepository(route.name));
  } else {
    BERTH_CO_ASSIGN(meta::FoundRepository found, ExistingRepositoryAccess(route.name));
    repo = found.id;
    access = std::move(found.access);
  }
  BERTH_CO_ASSIGN(o::Reference ref, ReadableReference(route));
  std::optional<meta::ManifestRecord> manifest;
  if (repo) {
    BERTH_CO_ASSIGN(manifest, meta_.GetManifest(*repo, ref.is_digest() ? &ref.digest() : nullptr,
                                                ref.is_digest() ? nullptr : &ref.tag()));
  }
  if (rule) {
    BERTH_CO_ASSIGN(std::optional<meta::ManifestRecord> upstream,
                    co_await ManifestFromUpstream(req, route, who, *rule, ref, repo, manifest));
    if (upstream) manifest = std::move(upstream);
  }
  if (!manifest) {
    co_return Fail(Code::kNotFound,
                   "manifest " + ref.str() + " is not in " + std::string(route.name),
                   "MANIFEST_UNKNOWN");
  }
  if (req.method() == http::Method::kGet) pulls_.Prefetch(*repo, manifest->digest);
  if (manifest->archived) {
    co_return Fail(Code::kNotFound,
                   "manifest " + ref.str() + " of " + std::string(route.name) +
                       " is in the archive storage class: restore it first (aws ecr update-image-storage-class "
                       "--target-storage-class STANDARD)",
                   "MANIFEST_UNKNOWN");
  }
  if (options_.pull_gate != nullptr && req.method() == http::Method::kGet) {
    std::shared_ptr<const scan::PullBlock> block;
    if (access) {
      block = options_.pull_gate->BlockFor(*access);
    } else {
      BERTH_CO_ASSIGN(block, options_.pull_gate->BlockFor(*repo));
    }
    if (block->threshold != scan::Severity::kUndefined) {
      BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] {
        return options_.pull_gate->Check(*repo, manifest->digest, *block);
      }));
    }
  }
  // By tag a client that does not accept the stored format gets it converted where the other
  // image format can say the same (ECR's behaviour); by digest the bytes are pinned.
  const std::optional<std::string> accept = req.HeaderAll("Accept");
  std::optional<o::ConvertedManifest> served = o::ServableForm(
      manifest->media_type, std::move(manifest->payload),
      [&](std::string_view type) { return ref.is_digest() || Accepts(accept, type); });
  if (!served) {
    co_return Fail(Code::kNotFound,
                   "manifest " + ref.str() + " is a " + manifest->media_type +
                       ", which the request's Accept header does not allow",
                   "MANIFEST_UNKNOWN");
  }
  const bool converted = served->media_type != manifest->media_type;
  std::string digest = converted ? o::Digest::Sha256Of(served->payload).str() : manifest->digest.str();
  std::string etag = "\"" + digest + "\"";
  // Moved, not copied, into the headers: each copy was an allocation per pull.
  Response r{.status = 200};
  r.Set("Content-Type", std::move(served->media_type));
  r.Set("Docker-Content-Digest", std::move(digest));
  r.Set("ETag", std::move(etag));
  if (req.method() == http::Method::kHead) {
    r.head_length = served->payload.size();
  } else {
    pulls_.Record(*repo, manifest->digest, clock_(), who.arn);
    r.body = std::move(served->payload);
  }
  co_return r;
}

http::Task<Result<http::Response>> OciApi::PutManifest(http::Request& req, const Route& route,
                                                      const auth::Principal& who) {
  BERTH_CO_TRY(o::ValidateRepositoryName(route.name));
  BERTH_CO_ASSIGN(o::Reference ref, o::Reference::Parse(route.ref));
  Result<std::string> read = co_await http::ReadWholeBody(req, o::kMaxManifestBytes);
  if (!read && read.error().code() == Code::kResourceExhausted) {
    co_return Fail(Code::kResourceExhausted, "manifests are limited to 4 MiB", "MANIFEST_TOO_LARGE");
  }
  if (!read) co_return std::unexpected(WithReason(std::move(read).error(), "MANIFEST_INVALID"));
  std::string body = *std::move(read);
  BERTH_CO_ASSIGN(o::Manifest manifest,
                  o::ParseManifest(req.Header("Content-Type").value_or(""), body));
  o::Digest digest = o::Digest::Sha256Of(body);
  if (ref.is_digest() && ref.digest() != digest) {
    co_return Fail(Code::kInvalidArgument,
                   "manifest hashes to " + digest.str() + ", not " + ref.digest().str(),
                   "DIGEST_INVALID");
  }
  // A replicating registry's copy is recorded as a replication (its event says so, and it is not
  // replicated on: one hop), which the caller must be allowed.
  std::string replicated_from;
  if (std::optional<std::string_view> source = req.Header(replication::kSourceHeader)) {
    BERTH_CO_TRY(replication::ValidateSource(*source));
    if (!who.unrestricted()) {
      BERTH_CO_TRY(access_.RequireOnRepository(who, "ecr:ReplicateImage", route.name, req));
    }
    replicated_from = std::string(*source);
  }
  BERTH_CO_ASSIGN(meta::RepositoryId repo,
                  co_await RepositoryForPush(route.name, replicated_from.empty() ? meta::kCreateOnPush : meta::kReplication));
  meta::NewManifest record = meta::ToNewManifest(manifest, digest, std::move(body));
  record.replicated_from = std::move(replicated_from);
  const std::string* tag = ref.is_digest() ? nullptr : &ref.tag();
  const int64_t now = clock_();
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&]() -> Status {
    Result<meta::PutManifestOutcome> put = meta_.PutManifest(repo, record, tag, now);
    if (!put) return std::unexpected(std::move(put).error());
    if (options_.on_image_pushed) {
      options_.on_image_pushed({.repo = repo, .repo_name = std::string(route.name), .digest = digest,
                                .media_type = record.media_type, .artifact_type = record.artifact_type, .pushed_at = now});
    }
    return {};
  }));  // re-pushing an identical manifest is a success on /v2/
  Response r{.status = 201};
  r.Set("Location", "/v2/" + std::string(route.name) + "/manifests/" + digest.str());
  r.Set("Docker-Content-Digest", digest.str());
  if (manifest.subject) r.Set("OCI-Subject", manifest.subject->digest.str());
  co_return r;
}

http::Task<Result<http::Response>> OciApi::DeleteManifest(const Route& route) {
  BERTH_CO_ASSIGN(meta::RepositoryId repo, ExistingRepository(route.name));
  BERTH_CO_ASSIGN(o::Reference ref, ReadableReference(route));
  // By digest the manifest goes (with its tags); by tag only the tag goes.
  BERTH_CO_ASSIGN(bool removed, co_await async::RunBlocking(blocking_, [&] {
    return ref.is_digest() ? meta_.DeleteManifest(repo, ref.digest()) : meta_.DeleteTag(repo, ref.tag());
  }));
  if (!removed) {
    co_return Fail(Code::kNotFound, "manifest " + ref.str() + " is not in " + std::string(route.name),
                   "MANIFEST_UNKNOWN");
  }
  co_return Response{.status = 202};
}

}  // namespace berth::api::oci
