// auth/bearer.h
//
// The Docker registry token flow (distribution's token specification), for clients that ask
// for it: scopes ("repository:team/app:pull,push", "registry:catalog:*"), and short-lived JWTs
// (HS256 with a key derived from the KeyRing, so every node verifies them) that carry their
// access key as subject and the granted scopes. A token never grants more than the policies
// allow when it is issued, and each request it carries is still authorized against the
// policies of that moment. Pure: no I/O, no clock.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::auth {

struct Grant {
  std::string type;  // "repository" or "registry"
  std::string name;  // "team/app", "catalog"
  std::vector<std::string> actions;  // "pull", "push", "delete", "*"

  friend bool operator==(const Grant&, const Grant&) = default;
};

// Parses scope parameters; a malformed scope is kInvalidArgument (reason "DENIED" is not right
// here: the token endpoint answers 400).
Result<std::vector<Grant>> ParseScopes(const std::vector<std::string>& scopes);
std::string ScopeString(const Grant& grant);

// Does `access` allow `action` on the repository (or registry resource) `name`?
bool Covers(const std::vector<Grant>& access, std::string_view type, std::string_view name, std::string_view action);

struct BearerClaims {
  std::string subject;  // the access key ID, or "" for an anonymous token
  std::string audience;  // the service
  std::vector<Grant> access;
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

std::string IssueBearer(std::string_view key, const BearerClaims& claims);
// Errors: kUnauthenticated (reason UNAUTHORIZED) for a token that is malformed, forged, expired
// or for another service.
Result<BearerClaims> VerifyBearer(std::string_view key, std::string_view token, std::string_view service,
                                  int64_t now);

// The WWW-Authenticate value of a 401 in bearer mode; `scope` and `error` may be empty.
std::string BearerChallenge(std::string_view realm, std::string_view service, std::string_view scope,
                            std::string_view error = {});

}  // namespace berth::auth
