#include "api/oci/errors.h"
#include "api/oci/oci_api.h"
#include "async/blocking.h"
#include "base/utf8.h"
#include "meta/creation_template.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/names.h"
#include "telemetry/log.h"
#include "base/strings.h"

namespace berth::api::oci {

OciApi::OciApi(meta::MetadataStore& meta, blob::BlobStore& blobs,
               auth::Authenticator& authenticator, AccessControl& access, Auditor& auditor,
               boost::asio::thread_pool& blocking,
               telemetry::Metrics& metrics, PullRecorder& pulls, UploadLocks& upload_locks,
               OciApiOptions options, std::function<int64_t()> clock)
    : meta_(meta), blobs_(blobs), authenticator_(authenticator), access_(access), auditor_(auditor), blocking_(blocking),
      metrics_(metrics), pulls_(pulls), options_(options), clock_(std::move(clock)),
      upload_locks_(upload_locks) {}

http::Task<http::Response> OciApi::Handle(http::Request& req) {
  std::string_view path = req.path();
  if (path == "/healthz") {
    Response r{.status = 200, .body = "ok\n", .route = "healthz"};
    r.Set("Content-Type", "text/plain");
    co_return r;
  }
  if (path == "/metrics") co_return Metrics();
  if (path == "/v2/token" && options_.bearer) {
    Result<Response> token = co_await Token(req);
    Response r = token ? std::move(*token) : ErrorResponse(token.error());
    r.route = "token";
    co_return r;
  }
  if (!(path == "/v2" || path.starts_with("/v2/"))) {
    Response r = ErrorResponse(Error(Code::kNotFound, "no such endpoint", "NOT_FOUND"));
    co_return r;
  }
  const Route route = ParseRoute(path);
  std::optional<auth::Principal> who;
  Result<Response> result = co_await Dispatch(req, route, who);
  Response response = result ? std::move(*result) : ErrorResponse(result.error());
  if (auditor_.enabled()) Audit(req, route, who, response);
  if (!result && result.error().code() == Code::kUnauthenticated) {
    response.Set("WWW-Authenticate",
                 options_.bearer ? ChallengeFor(req, route, result.error().reason() == "INSUFFICIENT_SCOPE")
                                 : std::string(auth::Authenticator::kChallenge));
  }
  if (response.route == std::string_view("unmatched")) {
    static constexpr std::array<std::string_view, 9> kRouteNames = {
        "base", "catalog", "tags", "manifest", "blob", "upload_start", "upload", "referrers",
        "unknown"};
    response.route = kRouteNames[static_cast<size_t>(route.endpoint)];
  }
  response.Set("Docker-Distribution-API-Version", "registry/2.0");
  co_return response;
}

http::Task<Result<http::Response>> OciApi::Dispatch(http::Request& req, const Route& route,
                                                     std::optional<auth::Principal>& who_out) {
  const std::optional<RouteAction> row =
      route.endpoint == Endpoint::kUnknown ? std::nullopt : ActionFor(route.endpoint, req.method());
  // Authenticate before anything else, so an unauthenticated client never sends body bytes. A
  // presigned blob URL (GetDownloadUrlForLayer) stands in for credentials on that one blob.
  Result<auth::Principal> authenticated =
      route.endpoint == Endpoint::kBlob && req.method() == http::Method::kGet && !req.Header("Authorization") &&
              req.query().find("X-Berth-Signature=") != std::string_view::npos
          ? authenticator_.VerifyPresignedBlob(route.name, route.ref, req.query(), clock_())
          : authenticator_.Authenticate(req.Header("Authorization"), clock_());
  // A caller without credentials may still pull from a public repository.
  const bool may_be_public = !auth::Authenticator::HasCredentials(req.Header("Authorization")) && row &&
                             !row->action.empty() &&
                             auth::Authorizer::IsPublicAction(row->action) && !route.name.empty();
  if (!authenticated && !(may_be_public && authenticated.error().code() == Code::kUnauthenticated)) {
    co_return std::unexpected(std::move(authenticated).error());
  }
  const auth::Principal who = authenticated ? *std::move(authenticated) : authenticator_.Anonymous();
  who_out = who;
  // A bearer token bounds the request to the scopes it grants, before any policy is asked.
  if (who.bearer_access && row && !row->scope.empty()) {
    const bool catalog = route.endpoint == Endpoint::kCatalog;
    if (!auth::Covers(*who.bearer_access, catalog ? "registry" : "repository", catalog ? "catalog" : route.name,
                      row->scope)) {
      co_return Fail(Code::kUnauthenticated,
                     "the token does not grant " + std::string(row->scope) + " on " +
                         std::string(route.name.substr(0, 256)),
                     "INSUFFICIENT_SCOPE");
    }
  }
  if (row && !row->action.empty() && route.endpoint != Endpoint::kCatalog) {
    BERTH_CO_TRY(co_await Authorize(req, route, *row, who));
  }
  const http::Method m = req.method();
  const bool read = m == http::Method::kGet || m == http::Method::kHead;
  auto unsupported = [&]() -> Result<Response> {
    return Fail(Code::kUnimplemented,
                std::string(http::MethodName(m)) + " is not supported on this endpoint",
                "UNSUPPORTED");
  };
  auto deletes_off = [&]() -> Result<Response> {
    return Fail(Code::kUnimplemented, "deletes are disabled on this registry", "UNSUPPORTED");
  };
  switch (route.endpoint) {
    case Endpoint::kBase: {
      if (!read) co_return unsupported();
      Response r{.status = 200, .body = "{}"};
      r.Set("Content-Type", "application/json");
      co_return r;
    }
    case Endpoint::kCatalog:
      if (!read) co_return unsupported();
      co_return co_await Catalog(req, who);
    case Endpoint::kTags:
      if (!read) co_return unsupported();
      co_return co_await Tags(req, route);
    case Endpoint::kReferrers:
      if (!read) co_return unsupported();
      co_return co_await Referrers(req, route);
    case Endpoint::kBlob:
      if (read) co_return co_await GetBlob(req, route, who);
      if (m != http::Method::kDelete) co_return unsupported();
      if (!options_.delete_enabled) co_return deletes_off();
      co_return co_await DeleteBlob(route);
    case Endpoint::kUploadStart:
      if (m != http::Method::kPost) co_return unsupported();
      co_return co_await StartUpload(req, route, who);
    case Endpoint::kUpload:
      switch (m) {
        case http::Method::kGet: co_return co_await UploadStatus(route);
        case http::Method::kPatch: co_return co_await PatchUpload(req, route);
        case http::Method::kPut: co_return co_await FinishUpload(req, route);
        case http::Method::kDelete: co_return co_await CancelUpload(route);
        default: co_return unsupported();
      }
    case Endpoint::kManifest:
      if (read) co_return co_await GetManifest(req, route, who);
      if (m == http::Method::kPut) co_return co_await PutManifest(req, route, who);
      if (m != http::Method::kDelete) co_return unsupported();
      if (!options_.delete_enabled) co_return deletes_off();
      co_return co_await DeleteManifest(route);
    case Endpoint::kUnknown:
      break;
  }
  co_return Fail(Code::kNotFound, "no such endpoint", "NOT_FOUND");
}

http::Task<Status> OciApi::Authorize(http::Request& req, const Route& route, const RouteAction& row,
                                     const auth::Principal& who) {
  if (who.unrestricted()) co_return Status{};
  ConditionKeys keys;
  if (route.endpoint == Endpoint::kManifest && !route.ref.starts_with("sha256:") && !route.ref.starts_with("sha512:")) {
    keys.push_back({"ecr:imagetag", {std::string(route.ref)}});
  }
  Status allowed = access_.RequireOnRepository(who, row.action, route.name, req, keys);
  if (!allowed && who.kind == auth::Principal::Kind::kAnonymous && allowed.error().code() == Code::kPermissionDenied) {
    // Not public: the caller should sign in, not be told it lacks rights.
    co_return Fail(Code::kUnauthenticated, "authentication required", "UNAUTHORIZED");
  }
  BERTH_CO_TRY(allowed);
  // A push that would create the repository needs the right to create it.
  const bool pushes = route.endpoint == Endpoint::kUploadStart ||
                      (route.endpoint == Endpoint::kManifest && req.method() == http::Method::kPut);
  if (pushes && berth::oci::ValidateRepositoryName(route.name)) {
    BERTH_CO_ASSIGN(std::optional<meta::RepositoryId> existing, meta_.FindRepository(route.name));
    if (!existing) BERTH_CO_TRY(access_.RequireOnRepository(who, kCreateRepositoryAction, route.name, req));
  }
  co_return Status{};
}

namespace {

// Off-grammar names are "not found", as for any other reference that cannot exist: only a
// push (RepositoryForPush) is told its name is invalid.
template <class T, class Find>
Result<T> Existing(std::string_view name, Find&& find) {
  if (Status valid = berth::oci::ValidateRepositoryName(name); !valid) {
    return Fail(Code::kNotFound, valid.error().message() + ", so no repository has it", "NAME_UNKNOWN");
  }
  BERTH_ASSIGN(std::optional<T> found, find());
  if (!found) {
    return Fail(Code::kNotFound, "repository " + std::string(name) + " is not known to this registry",
                "NAME_UNKNOWN");
  }
  return *std::move(found);
}

}  // namespace

Result<meta::RepositoryId> OciApi::ExistingRepository(std::string_view name) {
  return Existing<meta::RepositoryId>(name, [&] { return meta_.FindRepository(name); });
}

Result<meta::FoundRepository> OciApi::ExistingRepositoryAccess(std::string_view name) {
  return Existing<meta::FoundRepository>(name, [&] { return meta_.FindRepositoryAccess(name); });
}

http::Task<Result<meta::RepositoryId>> OciApi::RepositoryForPush(std::string_view name, std::string_view applied_for) {
  BERTH_CO_TRY(berth::oci::ValidateRepositoryName(name));
  BERTH_CO_ASSIGN(std::optional<meta::RepositoryId> repo, meta_.FindRepository(name));
  if (repo) co_return *repo;
  // Repositories are created on first push, with the settings of the CREATE_ON_PUSH creation
  // template whose prefix holds the name, if one does.
  const int64_t now = clock_();
  co_return co_await async::RunBlocking(
      blocking_, [&] { return meta::FindOrCreateRepository(meta_, name, applied_for, now); });
}

namespace {

// The Link header for the next page, or empty when this page is the last.
std::string NextLink(std::string_view path, size_t limit, const std::string& last) {
  // Tags and repository names are drawn from characters that need no escaping in a query.
  return "<" + std::string(path) + "?n=" + std::to_string(limit) + "&last=" + last +
         ">; rel=\"next\"";
}

http::Response JsonList(std::string_view prefix, const std::vector<std::string>& items,
                        std::string_view key) {
  http::Response r{.status = 200};
  r.body = std::string(prefix);
  r.body += "\"";
  r.body += key;
  r.body += "\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) r.body += ',';
    telemetry::AppendJsonString(r.body, items[i]);
  }
  r.body += "]}";
  r.Set("Content-Type", "application/json");
  return r;
}

}  // namespace

http::Task<Result<http::Response>> OciApi::Catalog(http::Request& req, const auth::Principal& who) {
  BERTH_CO_ASSIGN(PageRequest page, ParsePage(req.query()));
  std::vector<std::string> names;
  if (page.limit > 0) {
    BERTH_CO_ASSIGN(names, meta_.ListRepositories(page.last, page.limit + 1));
  }
  const bool more = names.size() > page.limit;
  if (more) names.resize(page.limit);
  const std::string last = more ? names.back() : std::string();
  // A caller sees the repositories it may describe; the page (and its Link) stays the store's,
  // so a filtered page may be short, never wrong.
  if (!who.unrestricted()) {
    std::vector<std::string> visible;
    for (std::string& name : names) {
      BERTH_CO_ASSIGN(bool allowed, access_.AllowedOnRepository(who, "ecr:DescribeRepositories", name, req));
      if (allowed) visible.push_back(std::move(name));
    }
    names = std::move(visible);
  }
  Response r = JsonList("{", names, "repositories");
  if (more) r.Set("Link", NextLink("/v2/_catalog", page.limit, last));
  co_return r;
}

http::Task<Result<http::Response>> OciApi::Tags(http::Request& req, const Route& route) {
  BERTH_CO_ASSIGN(meta::RepositoryId repo, ExistingRepository(route.name));
  BERTH_CO_ASSIGN(PageRequest page, ParsePage(req.query()));
  std::vector<std::string> tags;
  if (page.limit > 0) {
    BERTH_CO_ASSIGN(tags, meta_.ListTags(repo, page.last, page.limit + 1));
  }
  const bool more = tags.size() > page.limit;
  if (more) tags.resize(page.limit);
  std::string prefix = "{\"name\":";
  telemetry::AppendJsonString(prefix, route.name);
  prefix += ',';
  Response r = JsonList(prefix, tags, "tags");
  if (more) {
    r.Set("Link", NextLink("/v2/" + std::string(route.name) + "/tags/list", page.limit, tags.back()));
  }
  co_return r;
}

http::Task<Result<http::Response>> OciApi::Referrers(http::Request& req, const Route& route) {
  // A page stops at whichever comes first; annotations make entries of any size.
  constexpr size_t kPageEntries = 1000;
  constexpr size_t kPageBytes = 1024 * 1024;
  BERTH_CO_ASSIGN(meta::RepositoryId repo, ExistingRepository(route.name));
  BERTH_CO_ASSIGN(berth::oci::Digest subject, berth::oci::Digest::Parse(route.ref));
  std::string artifact_type = QueryParam(req.query(), "artifactType").value_or("");
  std::string after = QueryParam(req.query(), "last").value_or("");
  if (!after.empty()) BERTH_CO_TRY(berth::oci::Digest::Parse(after));
  // Stored artifact types come from JSON, so are valid UTF-8: a filter that is not matches none.
  std::vector<meta::Referrer> referrers;
  if (IsValidUtf8(artifact_type)) {
    BERTH_CO_ASSIGN(referrers, meta_.ListReferrers(repo, subject, artifact_type, after, kPageEntries));
  }
  Response r{.status = 200};
  r.body = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(berth::oci::kOciIndex) +
           "\",\"manifests\":[";
  size_t listed = 0;
  for (; listed < referrers.size() && (listed == 0 || r.body.size() < kPageBytes); ++listed) {
    const meta::Referrer& ref = referrers[listed];
    if (listed > 0) r.body += ',';
    r.body += "{\"mediaType\":";
    telemetry::AppendJsonString(r.body, ref.media_type);
    r.body += ",\"digest\":\"" + ref.digest.str() + "\",\"size\":" + std::to_string(ref.size);
    if (!ref.artifact_type.empty()) {
      r.body += ",\"artifactType\":";
      telemetry::AppendJsonString(r.body, ref.artifact_type);
    }
    if (!ref.annotations_json.empty()) r.body += ",\"annotations\":" + ref.annotations_json;
    r.body += '}';
  }
  r.body += "]}";
  r.Set("Content-Type", std::string(berth::oci::kOciIndex));
  if (!artifact_type.empty()) r.Set("OCI-Filters-Applied", "artifactType");
  // A full page may have a successor; the client learns it from one more (possibly empty) page.
  if (listed < referrers.size() || referrers.size() == kPageEntries) {
    std::string next = "/v2/" + std::string(route.name) + "/referrers/" + subject.str() +
                       "?last=" + referrers[listed - 1].digest.str();
    if (!artifact_type.empty()) next += "&artifactType=" + PercentEncode(artifact_type);
    r.Set("Link", "<" + next + ">; rel=\"next\"");
  }
  co_return r;
}

http::Response OciApi::Metrics() const {
  Response r{.status = 200, .body = metrics_.Render(), .route = "metrics"};
  r.Set("Content-Type", "text/plain; version=0.0.4");
  return r;
}

std::string UploadLocation(std::string_view name, std::string_view id) {
  return "/v2/" + std::string(name) + "/blobs/uploads/" + std::string(id);
}

std::string UploadRange(uint64_t size) {
  return "0-" + std::to_string(size == 0 ? 0 : size - 1);
}

}  // namespace berth::api::oci
