// auth/authorizer.h
//
// Decides whether a principal may perform an action on a resource, as AWS evaluates it within
// one account: an explicit Deny in any applicable policy wins; otherwise an Allow from one of
// the user's identity policies, or from the resource's policy naming the user (or everyone)
// directly, allows; otherwise the request is denied. A resource policy naming the account only
// delegates to the identity policies. The account root and --anonymous mode are never denied;
// a caller without credentials is allowed only what a repository policy grants to "*", and only
// the pull actions (a public repository).
//
// Policies arrive parsed and cached (iam::Directory, iam::PolicyCache); a decision parses
// nothing and allocates little. Condition keys are computed only when a policy asks for them.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/authenticator.h"
#include "base/error.h"
#include "iam/directory.h"
#include "meta/metadata_store.h"

namespace berth::auth {

// Where a request came from: for aws:SourceIp, aws:SecureTransport and aws:CurrentTime.
struct RequestOrigin {
  std::string source_ip;
  bool secure = false;
  int64_t now = 0;
};

struct AccessRequest {
  std::string_view action;  // "ecr:BatchGetImage", "iam:CreateUser"
  std::string resource;     // an ARN, or "*"
  // The repository's policy and tags when the resource is an existing repository.
  const meta::RepositoryAccess* repository = nullptr;
  // Request-specific condition keys, lowercased: "ecr:imagetag", "aws:requesttag/team",
  // "aws:tagkeys".
  std::vector<std::pair<std::string, std::vector<std::string>>> keys;
};

struct Decision {
  bool allowed = false;
  std::string message;  // why not, as AWS words it
};

class Authorizer {
 public:
  // `users` may be null (no IAM users: only the root and --anonymous exist).
  Authorizer(iam::Directory* users, std::string account_id);

  Result<Decision> Check(const Principal& principal, const AccessRequest& request,
                         const RequestOrigin& origin) const;

  // The actions a public repository grants to callers without credentials.
  static bool IsPublicAction(std::string_view action);

  const std::string& account_id() const { return account_id_; }

 private:
  iam::Directory* users_;
  std::string account_id_;
};

// The error a denial answers with: kPermissionDenied, reason "AccessDenied".
Error DeniedError(const Decision& decision);

}  // namespace berth::auth
