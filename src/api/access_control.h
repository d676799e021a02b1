// api/access_control.h
//
// Authorization for every API on the port: turns "this principal wants this action on this
// repository (or account-level resource)" into an auth::Authorizer decision, fetching the
// repository's policy and tags only for callers whose rights are limited. The root and
// --anonymous mode pass without a lookup, so they pay nothing for it.
//
// Denials are kPermissionDenied with reason "AccessDenied"; each protocol renames it (DENIED on
// /v2/, AccessDeniedException on ECR, AccessDenied on IAM).
//
// Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/authorizer.h"
#include "http/message.h"
#include "meta/metadata_store.h"

namespace berth::api {

using ConditionKeys = std::vector<std::pair<std::string, std::vector<std::string>>>;

class AccessControl {
 public:
  // `secure`: requests arrive over TLS (aws:SecureTransport).
  AccessControl(meta::MetadataStore& meta, auth::Authorizer& authorizer, std::string region, bool secure,
                std::function<int64_t()> clock);

  const std::string& account_id() const { return authorizer_.account_id(); }
  const std::string& region() const { return region_; }
  std::string RepositoryArn(std::string_view name) const;
  // The same, appended to `out` (a buffer kept across requests: no allocation per pull).
  void AppendRepositoryArn(std::string& out, std::string_view name) const;

  // May `who` perform `action` on the repository `name` (which need not exist)?
  Result<bool> AllowedOnRepository(const auth::Principal& who, std::string_view action, std::string_view name,
                                   const http::Request& req, ConditionKeys keys = {});
  // The same, as a Status: the denial, with AWS's wording, as the error.
  Status RequireOnRepository(const auth::Principal& who, std::string_view action, std::string_view name,
                             const http::Request& req, ConditionKeys keys = {});
  // Would `who` still be allowed `action` on the repository if its policy were `policy`?
  // (SetRepositoryPolicy refuses, unless forced, a policy that locks its caller out.)
  Result<bool> AllowedUnderPolicy(const auth::Principal& who, std::string_view action, std::string_view name,
                                  std::string_view policy, const http::Request& req);
  // For an action on a resource that is not a repository ("*" for account-level actions).
  Status Require(const auth::Principal& who, std::string_view action, std::string resource,
                 const http::Request& req, ConditionKeys keys = {});

 private:
  // The policy and tags of the repository `name`, or nullopt when there is no such repository.
  Result<std::optional<meta::RepositoryAccess>> AccessOf(std::string_view name);
  Result<auth::Decision> DecideOnRepository(const auth::Principal& who, std::string_view action, std::string_view name,
                                            const http::Request& req, ConditionKeys keys);
  Result<auth::Decision> Decide(const auth::Principal& who, std::string_view action, std::string resource,
                                const meta::RepositoryAccess* repository, const http::Request& req,
                                ConditionKeys keys);

  meta::MetadataStore& meta_;
  auth::Authorizer& authorizer_;
  const std::string region_;
  const bool secure_;
  std::function<int64_t()> clock_;
};

}  // namespace berth::api
