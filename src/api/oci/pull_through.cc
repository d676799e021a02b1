// The pull-through cache's part of /v2/ reads (cache/pull_through.h says what it does). A pull
// that needs the upstream is an import: it needs ecr:BatchImportUpstreamImage on the repository,
// and ecr:CreateRepository when the repository does not exist yet, as on ECR.
#include "api/oci/errors.h"
#include "api/oci/oci_api.h"
#include "async/blocking.h"

namespace berth::api::oci {
namespace {

namespace o = berth::oci;

// Upstream failures other than "it has no such thing" are the registry's to report (503, which
// clients retry), not the client's.
Error UpstreamFailure(const Error& e, const cache::Rule& rule) {
  if (e.code() == Code::kNotFound) return e;
  return Error(Code::kUnavailable, "the upstream registry " + rule.upstream_url + " of pull-through cache rule " +
                                       rule.ecr_prefix + " cannot serve this: " + e.message());
}

}  // namespace

Status OciApi::RequireImport(http::Request& req, const auth::Principal& who, std::string_view name, bool creates) {
  if (creates) BERTH_TRY(access_.RequireOnRepository(who, "ecr:CreateRepository", name, req));
  return access_.RequireOnRepository(who, "ecr:BatchImportUpstreamImage", name, req);
}

http::Task<Result<std::optional<meta::ManifestRecord>>> OciApi::ManifestFromUpstream(
    http::Request& req, const Route& route, const auth::Principal& who, const cache::Rule& rule,
    const o::Reference& ref, std::optional<meta::RepositoryId>& repo, const std::optional<meta::ManifestRecord>& local) {
  cache::PullThrough& cache = *options_.pull_through;
  const std::string name(route.name);
  if (local) {
    // Digests never change; a tag is asked of the upstream again once its TTL has passed, by
    // callers allowed to import (others get what is cached).
    if (ref.is_digest()) co_return std::nullopt;
    if (std::optional<cache::UpstreamManifest> importing = cache.Importing(*repo, ref.tag())) {
      co_return meta::ManifestRecord{.digest = importing->digest, .media_type = importing->media_type,
                                     .payload = std::move(importing->payload)};
    }
    if (!cache.TagDue(*repo, ref.tag())) co_return std::nullopt;
    BERTH_CO_ASSIGN(bool may_import, access_.AllowedOnRepository(who, "ecr:BatchImportUpstreamImage", name, req));
    if (!may_import) co_return std::nullopt;
    std::optional<cache::UpstreamManifest> moved = co_await async::RunBlocking(
        blocking_, [&] { return cache.Refresh(rule, *repo, name, ref.tag(), local->digest); });
    if (!moved) co_return std::nullopt;
    co_return meta::ManifestRecord{.digest = moved->digest, .media_type = moved->media_type,
                                   .payload = std::move(moved->payload)};
  }
  BERTH_CO_TRY(RequireImport(req, who, name, !repo));
  // (An optional, since what the blocking pool returns must be default-constructible.)
  using Fetched = Result<std::optional<cache::UpstreamManifest>>;
  Fetched fetched = co_await async::RunBlocking(blocking_, [&]() -> Fetched {
    if (!repo) {
      BERTH_ASSIGN(repo, cache.Repository(name));
    }
    BERTH_ASSIGN(cache::UpstreamManifest m, cache.FetchManifest(rule, *repo, name, ref.str()));
    return std::optional<cache::UpstreamManifest>(std::move(m));
  });
  if (!fetched) co_return std::unexpected(UpstreamFailure(fetched.error(), rule));
  co_return meta::ManifestRecord{.digest = (*fetched)->digest, .media_type = (*fetched)->media_type,
                                 .payload = std::move((*fetched)->payload)};
}

http::Task<Result<std::shared_ptr<cache::BlobFetch>>> OciApi::BlobFromUpstream(http::Request& req, const Route& route,
                                                                               const auth::Principal& who,
                                                                               const cache::Rule& rule,
                                                                               const o::Digest& digest,
                                                                               std::optional<meta::RepositoryId>& repo) {
  const std::string name(route.name);
  BERTH_CO_TRY(RequireImport(req, who, name, !repo));
  if (!repo) {
    BERTH_CO_ASSIGN(repo, co_await async::RunBlocking(blocking_, [&] { return options_.pull_through->Repository(name); }));
  }
  std::shared_ptr<cache::BlobFetch> download = options_.pull_through->FetchBlob(rule, *repo, name, digest);
  co_await download->Wait([](const cache::BlobFetch::State& s) { return s.started; });
  if (std::optional<Error> failed = download->state().error) co_return std::unexpected(UpstreamFailure(*failed, rule));
  co_return download;
}

}  // namespace berth::api::oci
