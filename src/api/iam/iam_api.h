// api/iam/iam_api.h
//
// IAM (users, groups, access keys, inline and managed policies) and STS GetCallerIdentity on
// Berth's port, in the AWS query protocol (query.h), so `aws iam --endpoint-url` and boto3
// manage Berth's identities. Requests are SigV4-signed for service "iam" or "sts" in the
// configured region or us-east-1 (where AWS signs these global services); each call is then
// authorized as iam:<Action> on the entity it names, and IAM changes are one compare-and-swap
// of the IAM document (iam::Directory).
//
// One operation group per file: users.cc (users, their keys and policies), groups.cc,
// managed_policies.cc; iam_api.cc holds the protocol.
//
// Thread-safe.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "api/access_control.h"
#include "api/auditor.h"
#include "auth/authenticator.h"
#include "http/message.h"
#include "iam/directory.h"

namespace berth::api::iam {

struct IamApiOptions {
  std::string region = "us-east-1";
  size_t max_request_bytes = 1024 * 1024;
};

class IamApi {
 public:
  // Every reference must outlive this object.
  IamApi(auth::Authenticator& authenticator, AccessControl& access, Auditor& auditor,
         berth::iam::Directory& directory, boost::asio::thread_pool& blocking, IamApiOptions options, std::function<int64_t()> clock);

  // Is this request for IAM or STS (a form POST signed for either)?
  static bool Claims(const http::Request& request);

  http::Task<http::Response> Handle(http::Request& request);

  using Params = std::map<std::string, std::string>;
  struct Call {
    const Params& params;
    const auth::Principal& principal;
    const http::Request& request;
  };
  // The inside of <ActionResult>, or the error.
  using Output = Result<std::string>;

 private:
  using Change = std::function<Status(berth::iam::IamState&)>;

  // Handle without the audit record, which it fills as it learns the call.
  http::Task<http::Response> Serve(http::Request& request, AuditRecord& audit);
  Output Dispatch(const std::string& action, const Call& call);
  // Authorizes iam:<action> on `resource`, then applies `change` to the IAM state.
  Status Update(const Call& call, std::string_view action, std::string resource, const Change& change);
  // Authorizes iam:<action> on `resource`, then returns the current state.
  Result<std::shared_ptr<const berth::iam::Snapshot>> Read(const Call& call, std::string_view action,
                                                            std::string resource);

  // users.cc
  Output CreateUser(const Call& call);
  Output GetUser(const Call& call);
  Output ListUsers(const Call& call);
  Output DeleteUser(const Call& call);
  Output CreateAccessKey(const Call& call);
  Output ListAccessKeys(const Call& call);
  Output UpdateAccessKey(const Call& call);
  Output DeleteAccessKey(const Call& call);
  Output PutUserPolicy(const Call& call);
  Output GetUserPolicy(const Call& call);
  Output ListUserPolicies(const Call& call);
  Output DeleteUserPolicy(const Call& call);
  Output AttachUserPolicy(const Call& call);
  Output DetachUserPolicy(const Call& call);
  Output ListAttachedUserPolicies(const Call& call);
  Output ListGroupsForUser(const Call& call);
  // groups.cc
  Output CreateGroup(const Call& call);
  Output GetGroup(const Call& call);
  Output ListGroups(const Call& call);
  Output DeleteGroup(const Call& call);
  Output AddUserToGroup(const Call& call);
  Output RemoveUserFromGroup(const Call& call);
  Output PutGroupPolicy(const Call& call);
  Output GetGroupPolicy(const Call& call);
  Output ListGroupPolicies(const Call& call);
  Output DeleteGroupPolicy(const Call& call);
  Output AttachGroupPolicy(const Call& call);
  Output DetachGroupPolicy(const Call& call);
  Output ListAttachedGroupPolicies(const Call& call);
  // managed_policies.cc
  Output CreatePolicy(const Call& call);
  Output GetPolicy(const Call& call);
  Output GetPolicyVersion(const Call& call);
  Output ListPolicies(const Call& call);
  Output DeletePolicy(const Call& call);

  // The user a call names with UserName, or the caller itself when it names none.
  Result<std::string> UserNameOrCaller(const Call& call) const;
  std::string Arn(std::string_view kind, std::string_view path, std::string_view name) const;
  // The ARN of an existing user or group, with its path ("/" when there is none by that name).
  std::string UserArn(const std::string& name);
  std::string GroupArn(const std::string& name);

  auth::Authenticator& authenticator_;
  AccessControl& access_;
  Auditor& auditor_;
  berth::iam::Directory& directory_;
  boost::asio::thread_pool& blocking_;
  const IamApiOptions options_;
  std::function<int64_t()> clock_;
};

}  // namespace berth::api::iam
