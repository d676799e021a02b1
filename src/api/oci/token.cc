// The Docker token flow: GET /v2/token (distribution's token specification) and the challenge
// that sends clients there.
#include <algorithm>
#include <chrono>

#include "api/oci/oci_api.h"
#include "base/strings.h"
#include "base/time.h"

namespace berth::api::oci {
namespace {

// The IAM action each token action needs.
std::string_view IamActionFor(std::string_view action) {
  if (action == "pull") return "ecr:BatchGetImage";
  if (action == "push") return "ecr:PutImage";
  if (action == "delete") return "ecr:BatchDeleteImage";
  return {};
}

}  // namespace

std::string OciApi::ChallengeFor(const http::Request& req, const Route& route, bool insufficient_scope) const {
  std::string scope;
  if (route.endpoint == Endpoint::kCatalog) {
    scope = "registry:catalog:*";
  } else if (std::optional<RouteAction> row = ActionFor(route.endpoint, req.method());
             row && !row->scope.empty() && !route.name.empty()) {
    // Pushes ask for pull as well: clients check what exists before they upload.
    scope = "repository:" + std::string(route.name) + ":" + (row->scope == "push" ? "pull,push" : std::string(row->scope));
  }
  return auth::BearerChallenge(options_.bearer_realm, options_.bearer_service, scope,
                               insufficient_scope ? "insufficient_scope" : "");
}

http::Task<Result<http::Response>> OciApi::Token(http::Request& req) {
  if (req.method() != http::Method::kGet) {
    co_return Fail(Code::kUnimplemented, "the token endpoint takes GET", "UNSUPPORTED");
  }
  const std::string_view query = req.query();
  if (std::optional<std::string> service = QueryParam(query, "service");
      service && *service != options_.bearer_service) {
    co_return Fail(Code::kInvalidArgument, "this token service is " + options_.bearer_service, "UNSUPPORTED");
  }
  // Basic credentials (an access key, or AWS and a registry token) or none: an anonymous token
  // can only reach public repositories.
  auth::Principal who = authenticator_.Anonymous();
  if (auth::Authenticator::HasCredentials(req.Header("Authorization"))) {
    std::optional<std::string_view> header = req.Header("Authorization");
    if (header->size() >= 7 && IEquals(header->substr(0, 7), "bearer ")) {
      co_return Fail(Code::kUnauthenticated, "the token endpoint takes Basic credentials", "UNAUTHORIZED");
    }
    BERTH_CO_ASSIGN(who, authenticator_.Authenticate(header, clock_()));
  }
  BERTH_CO_ASSIGN(std::vector<auth::Grant> requested, auth::ParseScopes(QueryParams(query, "scope")));
  // What is granted is what was asked and what the policies allow now: never more.
  std::vector<auth::Grant> granted;
  for (const auth::Grant& g : requested) {
    auth::Grant keep{.type = g.type, .name = g.name, .actions = {}};
    if (g.type == "registry") {
      // The catalog lists only what its caller may see; any signed-in caller may ask.
      if (g.name == "catalog" && who.kind != auth::Principal::Kind::kAnonymous) keep.actions = {"*"};
    } else {
      std::vector<std::string> actions;
      for (const std::string& a : g.actions) {
        if (a == "*") {
          actions.insert(actions.end(), {"pull", "push", "delete"});
        } else {
          actions.push_back(a);
        }
      }
      for (const std::string& a : actions) {
        const std::string_view iam = IamActionFor(a);
        if (iam.empty() || std::find(keep.actions.begin(), keep.actions.end(), a) != keep.actions.end()) continue;
        BERTH_CO_ASSIGN(bool allowed, access_.AllowedOnRepository(who, iam, g.name, req));
        // Public repositories give anonymous callers pull, never more.
        if (allowed && (who.kind != auth::Principal::Kind::kAnonymous || a == "pull")) keep.actions.push_back(a);
      }
    }
    if (!keep.actions.empty()) granted.push_back(std::move(keep));
  }
  const int64_t now = clock_();
  const int64_t ttl = options_.bearer_ttl.count();
  const std::string token = authenticator_.IssueBearerToken(who, std::move(granted), now, ttl);
  Response r{.status = 200};
  r.body = "{\"token\":\"" + token + "\",\"access_token\":\"" + token + "\",\"expires_in\":" + std::to_string(ttl) +
           ",\"issued_at\":\"" + IsoTime(now) + "\"}";
  r.Set("Content-Type", "application/json");
  r.Set("Cache-Control", "no-store");
  co_return r;
}

}  // namespace berth::api::oci
