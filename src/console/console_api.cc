#include "console/console_api.h"

#include <boost/json.hpp>

#include "api/oci/paths.h"
#include "async/blocking.h"
#include "base/json.h"
#include "base/strings.h"
#include "console/assets.h"
#include "crypto/random.h"
#include "http/body.h"

namespace berth::console {

namespace json = boost::json;

namespace {

constexpr std::string_view kSessionPath = "/console/api/session";
constexpr std::string_view kRepositoriesPath = "/console/api/repositories";
constexpr std::string_view kUsagePath = "/console/api/usage";
constexpr size_t kMaxRepositoriesPerPage = 1000;
constexpr size_t kMaxUsageSamples = 24 * 400;
constexpr size_t kMaxSignInBytes = 16 * 1024;

// Scripts, styles, images and calls only from this origin; no inline script or style
// attribute can run, no plugin, no framing by another site.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

http::Response Secured(http::Response r) {
  r.Set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.Set("X-Content-Type-Options", "nosniff");
  r.Set("X-Frame-Options", "DENY");
  r.Set("Referrer-Policy", "no-referrer");
  r.Set("Cross-Origin-Opener-Policy", "same-origin");
  r.route = "console";
  return r;
}

http::Response Json(int status, const json::object& body) {
  http::Response r{.status = status, .body = json::serialize(body), .route = "console"};
  r.Set("Content-Type", "application/json");
  r.Set("Cache-Control", "no-store");
  return Secured(std::move(r));
}

// Errors as the AWS JSON protocol spells them, so the console reads every answer one way.
http::Response JsonError(int status, std::string_view type, std::string_view message) {
  return Json(status, json::object{{"__type", type}, {"message", message}});
}

http::Response ErrorFor(const Error& e) {
  const std::string type = e.reason().empty() ? std::string("ServerException") : std::string(e.reason());
  switch (e.code()) {
    // As AWS answers: a missing token is 403, a wrong or ended credential 401.
    case Code::kUnauthenticated:
      return JsonError(type == "MissingAuthenticationTokenException" ? 403 : 401, type, e.message());
    case Code::kInvalidArgument: return JsonError(400, type, e.message());
    case Code::kResourceExhausted: return JsonError(429, type, e.message());
    case Code::kPermissionDenied: return JsonError(403, "AccessDeniedException", e.message());
    default: return JsonError(500, "ServerException", "the session could not be stored; try again");
  }
}

bool AcceptsGzip(const http::Request& req) {
  std::optional<std::string_view> accept = req.Header("Accept-Encoding");
  return accept && IContains(*accept, "gzip");
}

}  // namespace

ConsoleApi::ConsoleApi(auth::ConsoleSessions& sessions, const auth::Authenticator& authenticator,
                       api::Auditor& auditor, api::AccessControl& access, meta::MetadataStore& meta,
                       boost::asio::thread_pool& blocking, ConsoleOptions options, std::function<int64_t()> clock)
    : sessions_(sessions),
      authenticator_(authenticator),
      auditor_(auditor),
      access_(access),
      meta_(meta),
      blocking_(blocking),
      options_(std::move(options)),
      clock_(std::move(clock)) {}

bool ConsoleApi::Claims(const http::Request& req) {
  std::string_view path = req.path();
  return path == "/console" || path.starts_with("/console/");
}

http::Task<http::Response> ConsoleApi::Handle(http::Request& req) {
  if (req.path() == kSessionPath) co_return co_await Session(req);
  if (req.path() == kRepositoriesPath) co_return co_await RepositoryUsage(req);
  if (req.path() == kUsagePath) co_return co_await StorageUsage(req);
  co_return ServeAsset(req);
}

http::Response ConsoleApi::ServeAsset(const http::Request& req) const {
  const bool head = req.method() == http::Method::kHead;
  if (req.method() != http::Method::kGet && !head) {
    http::Response r = JsonError(405, "MethodNotAllowed", "the console's files are read with GET");
    r.Set("Allow", "GET, HEAD");
    return r;
  }
  std::string_view path = req.path();
  if (path == "/console") {
    http::Response r{.status = 308, .route = "console"};
    r.Set("Location", "/console/");
    return Secured(std::move(r));
  }
  for (const Asset& asset : EmbeddedAssets()) {
    if (asset.path != path) continue;
    const bool gzip = AcceptsGzip(req);
    std::string_view bytes = gzip ? asset.gzip : asset.bytes;
    http::Response r{.status = 200, .route = "console"};
    r.Set("Content-Type", std::string(asset.content_type));
    if (gzip) r.Set("Content-Encoding", "gzip");
    r.Set("Vary", "Accept-Encoding");
    r.Set("Cache-Control", asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (head) {
      r.head_length = bytes.size();
    } else {
      r.body = std::string(bytes);
    }
    return Secured(std::move(r));
  }
  if (EmbeddedAssets().empty()) {
    return JsonError(404, "NotFound", "this berth was built without its console (-DBERTH_CONSOLE=OFF)");
  }
  return JsonError(404, "NotFound", "no such console file");
}

Result<auth::Principal> ConsoleApi::Caller(const http::Request& req, int64_t now) const {
  if (authenticator_.anonymous()) return authenticator_.Anonymous();
  return sessions_.Authenticate(req.Header("Cookie"), req.Header(auth::ConsoleSessions::kCsrfHeader), now);
}

http::Task<http::Response> ConsoleApi::RepositoryUsage(http::Request& req) {
  if (req.method() != http::Method::kGet) co_return JsonError(405, "MethodNotAllowed", "repositories are read with GET");
  Result<auth::Principal> who = Caller(req, clock_());
  if (!who) co_return ErrorFor(who.error());
  const std::string after = api::oci::QueryParam(req.query(), "after").value_or("");
  const std::optional<uint64_t> limit = ParseUint64(api::oci::QueryParam(req.query(), "limit").value_or("100"));
  if (!limit || *limit == 0 || *limit > kMaxRepositoriesPerPage || after.size() > 256) {
    co_return JsonError(400, "InvalidParameterException", "limit must be 1 to 1000, after a repository name");
  }
  // Reads every manifest of a page of repositories, and a limited caller's policies: off the
  // I/O thread.
  Result<json::object> page = co_await async::RunBlocking(blocking_, [&]() -> Result<json::object> {
    BERTH_ASSIGN(std::vector<meta::RepositoryUsage> usage, meta_.ListRepositoryUsage(after, *limit));
    json::array listed;
    for (const meta::RepositoryUsage& u : usage) {
      // As DescribeRepositories without names: only what the caller may describe.
      BERTH_ASSIGN(bool visible, access_.AllowedOnRepository(*who, "ecr:DescribeRepositories", u.name, req));
      if (!visible) continue;
      listed.push_back(json::object{{"repositoryName", u.name},
                                    {"createdAt", u.created_at},
                                    {"imageCount", u.images},
                                    {"sizeInBytes", u.bytes},
                                    {"lastPushedAt", u.last_pushed_at}});
    }
    json::object out{{"repositories", std::move(listed)}};
    if (usage.size() == *limit) out["after"] = usage.back().name;
    return out;
  });
  if (!page) co_return ErrorFor(page.error());
  co_return Json(200, *page);
}

http::Task<http::Response> ConsoleApi::StorageUsage(http::Request& req) {
  if (req.method() != http::Method::kGet) co_return JsonError(405, "MethodNotAllowed", "usage is read with GET");
  Result<auth::Principal> who = Caller(req, clock_());
  if (!who) co_return ErrorFor(who.error());
  const std::optional<uint64_t> since = ParseUint64(api::oci::QueryParam(req.query(), "since").value_or("0"));
  if (!since) co_return JsonError(400, "InvalidParameterException", "since is a time in seconds since 1970");
  Result<json::object> out = co_await async::RunBlocking(blocking_, [&]() -> Result<json::object> {
    BERTH_TRY(access_.Require(*who, "ecr:DescribeRegistry", "*", req));
    BERTH_ASSIGN(std::vector<meta::UsageSample> samples,
                 meta_.ListUsageSamples(static_cast<int64_t>(*since), kMaxUsageSamples));
    json::array listed;
    for (const meta::UsageSample& s : samples) {
      listed.push_back(json::object{{"takenAt", s.taken_at}, {"bytes", s.bytes}, {"blobs", s.blobs},
                                    {"repositories", s.repositories}, {"manifests", s.manifests}});
    }
    return json::object{{"samples", std::move(listed)}};
  });
  if (!out) co_return ErrorFor(out.error());
  co_return Json(200, *out);
}

http::Response ConsoleApi::Describe(const auth::ConsoleSession& session, int64_t now, bool set_cookie) const {
  http::Response r = Json(200, json::object{{"user", session.principal.name},
                                            {"arn", session.principal.arn},
                                            {"accountId", options_.account_id},
                                            {"region", options_.region},
                                            {"csrfToken", session.csrf_token},
                                            {"expiresAt", session.expires_at}});
  if (set_cookie) r.Set("Set-Cookie", auth::ConsoleSessions::SetCookie(session, now, options_.secure_cookies));
  return r;
}

http::Task<http::Response> ConsoleApi::Session(http::Request& req) {
  const int64_t now = clock_();
  if (authenticator_.anonymous()) {
    // Authentication is off: every caller is the admin, and there is nothing to sign in to.
    co_return Describe(auth::ConsoleSession{.expires_at = now + 86400, .principal = authenticator_.Anonymous()}, now,
                      /*set_cookie=*/false);
  }
  switch (req.method()) {
    case http::Method::kGet: {
      Result<auth::ConsoleSession> session = sessions_.Resume(req.Header("Cookie"), now);
      if (!session) co_return ErrorFor(session.error());
      co_return Describe(*session, now, /*set_cookie=*/false);
    }
    case http::Method::kPost: co_return co_await SignIn(req);
    case http::Method::kDelete: {
      // Signing out is an action: it needs the CSRF token like every other. Without a live
      // session there is nothing to end, and the cookie is cleared all the same.
      if (Result<auth::ConsoleSession> session = sessions_.Resume(req.Header("Cookie"), now); session) {
        if (Status csrf = sessions_.CheckCsrf(*session, req.Header(auth::ConsoleSessions::kCsrfHeader)); !csrf) {
          co_return ErrorFor(csrf.error());
        }
        Status out = co_await async::RunBlocking(blocking_, [&] { return sessions_.SignOut(*session); });
        if (!out) co_return ErrorFor(out.error());
      }
      http::Response r{.status = 204, .route = "console"};
      r.Set("Set-Cookie", auth::ConsoleSessions::ClearCookie(options_.secure_cookies));
      r.Set("Cache-Control", "no-store");
      co_return Secured(std::move(r));
    }
    default: {
      http::Response r = JsonError(405, "MethodNotAllowed", "sessions take GET, POST (sign in) and DELETE (sign out)");
      r.Set("Allow", "GET, POST, DELETE");
      co_return r;
    }
  }
}

http::Task<http::Response> ConsoleApi::SignIn(http::Request& req) {
  // JSON only: a form on another site cannot send it without the browser asking first.
  std::string_view type = req.Header("Content-Type").value_or("");
  if (!type.starts_with("application/json")) {
    co_return JsonError(415, "UnsupportedMediaType", "sign in with a JSON body (Content-Type: application/json)");
  }
  Result<std::string> body = co_await http::ReadWholeBody(req, kMaxSignInBytes);
  if (!body) co_return JsonError(400, "SerializationException", "the sign-in body is too large or broken");
  boost::system::error_code ec;
  json::value input = json::parse(*body, ec);
  if (ec || !input.is_object()) co_return JsonError(400, "SerializationException", "the sign-in body is not a JSON object");
  const json::object& o = input.as_object();
  const std::string key_id(JsonStringView(o, "accessKeyId"));
  const std::string secret(JsonStringView(o, "secretAccessKey"));
  std::string token(Trim(JsonStringView(o, "token")));
  if (token.empty() && (key_id.empty() || secret.empty())) {
    co_return JsonError(400, "InvalidParameterException", "give accessKeyId and secretAccessKey, or token");
  }
  // An authorizationToken (base64 of "AWS:<password>") is accepted as well as the password.
  if (std::optional<std::string> decoded = crypto::Base64Decode(token); decoded && decoded->starts_with("AWS:")) {
    token = decoded->substr(4);
  }
  const int64_t now = clock_();
  Result<auth::ConsoleSession> session = co_await async::RunBlocking(blocking_, [&] {
    return token.empty() ? sessions_.SignIn(key_id, secret, now) : sessions_.SignInWithToken(token, now);
  });

  // Recorded as AWS records console sign-ins: ConsoleLogin from signin.amazonaws.com.
  api::AuditRecord audit{.source = "signin.amazonaws.com", .name = "ConsoleLogin", .request_id = crypto::RandomUuid()};
  audit.request_parameters["method"] = token.empty() ? "accessKey" : "registryToken";
  if (!key_id.empty()) audit.request_parameters["accessKeyId"] = key_id.substr(0, 128);
  if (session) {
    audit.principal = session->principal;
    audit.response_elements = json::object{{"ConsoleLogin", "Success"}};
  } else {
    audit.error_code = session.error().reason().empty() ? "ServerException" : std::string(session.error().reason());
    audit.error_message = session.error().message();
  }
  auditor_.Record(req, std::move(audit));
  if (!session) co_return ErrorFor(session.error());
  co_return Describe(*session, now, /*set_cookie=*/true);
}

}  // namespace berth::console
