// IAM users: the users themselves, their access keys, inline and attached policies, groups.
#include <algorithm>

#include "api/iam/entities.h"
#include "base/strings.h"
#include "crypto/random.h"
#include "iam/directory.h"
#include "iam/managed.h"

namespace berth::api::iam {
namespace {

using berth::iam::AccessKeyEntry;
using berth::iam::IamState;
using berth::iam::User;

}  // namespace

IamApi::Output IamApi::CreateUser(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "UserName"));
  BERTH_TRY(ValidateName(name, "userName", 64));
  const std::string path = Optional(call.params, "Path", "/");
  BERTH_TRY(ValidatePath(path, "path"));
  User created{.name = name, .id = NewId("AIDA"), .path = path, .created_at = clock_()};
  BERTH_TRY(Update(call, "CreateUser", Arn("user", path, name), [&](IamState& s) -> Status {
    // IAM names are unique regardless of case.
    for (const auto& [existing, _] : s.users) {
      if (IEquals(existing, name)) return AlreadyExists("User", existing);
    }
    if (s.users.size() >= kMaxUsers) return LimitExceeded("Cannot exceed quota for UsersPerAccount: 5000");
    s.users[name] = created;
    return {};
  }));
  Xml xml;
  WriteUser(xml, "User", created, Arn("user", path, name));
  return std::move(xml).str();
}

IamApi::Output IamApi::GetUser(const Call& call) {
  std::string name = Optional(call.params, "UserName");
  if (name.empty() && call.principal.kind != auth::Principal::Kind::kUser) {
    // The root asking about itself.
    BERTH_TRY(access_.Require(call.principal, "iam:GetUser", call.principal.arn, call.request));
    Xml xml;
    xml.Open("User").Leaf("UserId", call.principal.user_id).Leaf("Arn", call.principal.arn);
    xml.Leaf("CreateDate", IsoTime(0)).Close("User");
    return std::move(xml).str();
  }
  if (name.empty()) name = call.principal.name;
  BERTH_TRY(ValidateName(name, "userName", 64));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "GetUser", UserArn(name)));
  BERTH_ASSIGN(const User* u, FindEntity(snap->state().users, name, "user"));
  Xml xml;
  WriteUser(xml, "User", *u, Arn("user", u->path, u->name));
  return std::move(xml).str();
}

IamApi::Output IamApi::ListUsers(const Call& call) {
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "ListUsers", Arn("user", "/", "*")));
  const std::string prefix = Optional(call.params, "PathPrefix", "/");
  std::vector<std::string> names;
  for (const auto& [name, u] : snap->state().users) {
    if (u.path.starts_with(prefix)) names.push_back(name);
  }
  BERTH_ASSIGN(Page page, PageOf(call.params, std::move(names)));
  Xml xml;
  xml.Open("Users");
  for (const std::string& name : page.names) {
    const User& u = snap->state().users.at(name);
    WriteUser(xml, "member", u, Arn("user", u.path, u.name));
  }
  xml.Close("Users");
  WritePageEnd(xml, page);
  return std::move(xml).str();
}

IamApi::Output IamApi::DeleteUser(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "UserName"));
  BERTH_TRY(ValidateName(name, "userName", 64));
  BERTH_TRY(Update(call, "DeleteUser", UserArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(User * u, FindEntity(s.users, name, "user"));
    // As IAM: what hangs on the user goes first, so nothing is removed by surprise.
    if (!u->keys.empty()) return DeleteConflict("Cannot delete entity, must delete access keys first.");
    if (!u->inline_policies.empty()) return DeleteConflict("Cannot delete entity, must delete policies first.");
    if (!u->attached.empty()) return DeleteConflict("Cannot delete entity, must detach all policies first.");
    if (!u->groups.empty()) return DeleteConflict("Cannot delete entity, must remove users from group first.");
    s.users.erase(name);
    return {};
  }));
  return std::string();
}

IamApi::Output IamApi::CreateAccessKey(const Call& call) {
  BERTH_ASSIGN(std::string name, UserNameOrCaller(call));
  AccessKeyEntry key{.id = "AKIA" + crypto::RandomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
                     .sealed_secret = {}, .active = true, .created_at = clock_()};
  const std::string secret =
      crypto::RandomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
  // Sealed at rest like the admin's; shown this once.
  key.sealed_secret = authenticator_.keyring().SealSecret(key.id, secret);
  BERTH_TRY(Update(call, "CreateAccessKey", UserArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(User * u, FindEntity(s.users, name, "user"));
    if (u->keys.size() >= kMaxAccessKeysPerUser) {
      return LimitExceeded("Cannot exceed quota for AccessKeysPerUser: 2");
    }
    u->keys.push_back(key);
    return {};
  }));
  Xml xml;
  xml.Open("AccessKey").Leaf("UserName", name).Leaf("AccessKeyId", key.id).Leaf("Status", "Active");
  xml.Leaf("SecretAccessKey", secret).Leaf("CreateDate", IsoTime(key.created_at)).Close("AccessKey");
  return std::move(xml).str();
}

IamApi::Output IamApi::ListAccessKeys(const Call& call) {
  BERTH_ASSIGN(std::string name, UserNameOrCaller(call));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "ListAccessKeys", UserArn(name)));
  BERTH_ASSIGN(const User* u, FindEntity(snap->state().users, name, "user"));
  Xml xml;
  xml.Open("AccessKeyMetadata");
  for (const AccessKeyEntry& k : u->keys) {
    xml.Open("member").Leaf("UserName", u->name).Leaf("AccessKeyId", k.id);
    xml.Leaf("Status", k.active ? "Active" : "Inactive").Leaf("CreateDate", IsoTime(k.created_at)).Close("member");
  }
  xml.Close("AccessKeyMetadata").Bool("IsTruncated", false);
  return std::move(xml).str();
}

IamApi::Output IamApi::UpdateAccessKey(const Call& call) {
  BERTH_ASSIGN(std::string name, UserNameOrCaller(call));
  BERTH_ASSIGN(std::string id, Required(call.params, "AccessKeyId"));
  BERTH_ASSIGN(std::string status, Required(call.params, "Status"));
  if (status != "Active" && status != "Inactive") {
    return Fail(Code::kInvalidArgument,
                "1 validation error detected: Value '" + status.substr(0, 50) +
                    "' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]",
                "ValidationError");
  }
  BERTH_TRY(Update(call, "UpdateAccessKey", UserArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(User * u, FindEntity(s.users, name, "user"));
    auto k = std::find_if(u->keys.begin(), u->keys.end(), [&](const AccessKeyEntry& e) { return e.id == id; });
    if (k == u->keys.end()) return NoSuchEntity("Access Key", id);
    k->active = status == "Active";
    return {};
  }));
  return std::string();
}

IamApi::Output IamApi::DeleteAccessKey(const Call& call) {
  BERTH_ASSIGN(std::string name, UserNameOrCaller(call));
  BERTH_ASSIGN(std::string id, Required(call.params, "AccessKeyId"));
  BERTH_TRY(Update(call, "DeleteAccessKey", UserArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(User * u, FindEntity(s.users, name, "user"));
    auto k = std::find_if(u->keys.begin(), u->keys.end(), [&](const AccessKeyEntry& e) { return e.id == id; });
    if (k == u->keys.end()) return NoSuchEntity("Access Key", id);
    u->keys.erase(k);
    return {};
  }));
  return std::string();
}

IamApi::Output IamApi::PutUserPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "UserName"));
  BERTH_ASSIGN(std::string policy, Required(call.params, "PolicyName"));
  BERTH_ASSIGN(std::string document, Required(call.params, "PolicyDocument"));
  BERTH_TRY(ValidateName(name, "userName", 64));
  BERTH_TRY(ValidateName(policy, "policyName", 128));
  BERTH_TRY(ValidatePolicyDocument(document, kUserPolicyQuota, "user " + name));
  BERTH_TRY(Update(call, "PutUserPolicy", UserArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(User * u, FindEntity(s.users, name, "user"));
    return PutInlinePolicy(u->inline_policies, policy, document, kUserPolicyQuota, "user " + name);
  }));
  return std::string();
}

IamApi::Output IamApi::GetUserPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "UserName"));
  BERTH_ASSIGN(std::string policy, Required(call.params, "PolicyName"));
  BERTH_TRY(ValidateName(name, "userName", 64));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "GetUserPolicy", UserArn(name)));
  BERTH_ASSIGN(const User* u, FindEntity(snap->state().users, name, "user"));
  return InlinePolicyXml(u->inline_policies, "UserName", name, policy, "user policy");
}

IamApi::Output IamApi::ListUserPolicies(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "UserName"));
  BERTH_TRY(ValidateName(name, "userName", 64));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "ListUserPolicies", UserArn(name)));
  BERTH_ASSIGN(const User* u, FindEntity(snap->state().users, name, "user"));
  return InlinePolicyNamesXml(call.params, u->inline_policies);
}

IamApi::Output IamApi::DeleteUserPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "UserName"));
  BERTH_ASSIGN(std::string policy, Required(call.params, "PolicyName"));
  BERTH_TRY(ValidateName(name, "userName", 64));
  BERTH_TRY(Update(call, "DeleteUserPolicy", UserArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(User * u, FindEntity(s.users, name, "user"));
    return DeleteInlinePolicy(u->inline_policies, policy, "user policy");
  }));
  return std::string();
}

IamApi::Output IamApi::AttachUserPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "UserName"));
  BERTH_ASSIGN(std::string arn, Required(call.params, "PolicyArn"));
  BERTH_TRY(ValidateName(name, "userName", 64));
  BERTH_TRY(Update(call, "AttachUserPolicy", UserArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(User * u, FindEntity(s.users, name, "user"));
    return AttachManagedPolicy(s, access_.account_id(), u->attached, arn, "PoliciesPerUser");
  }));
  return std::string();
}

IamApi::Output IamApi::DetachUserPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "UserName"));
  BERTH_ASSIGN(std::string arn, Required(call.params, "PolicyArn"));
  BERTH_TRY(ValidateName(name, "userName", 64));
  BERTH_TRY(Update(call, "DetachUserPolicy", UserArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(User * u, FindEntity(s.users, name, "user"));
    return DetachManagedPolicy(u->attached, arn);
  }));
  return std::string();
}

IamApi::Output IamApi::ListAttachedUserPolicies(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "UserName"));
  BERTH_TRY(ValidateName(name, "userName", 64));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap,
               Read(call, "ListAttachedUserPolicies", UserArn(name)));
  BERTH_ASSIGN(const User* u, FindEntity(snap->state().users, name, "user"));
  Xml xml;
  WriteAttached(xml, u->attached);
  return std::move(xml).str();
}

IamApi::Output IamApi::ListGroupsForUser(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "UserName"));
  BERTH_TRY(ValidateName(name, "userName", 64));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "ListGroupsForUser", UserArn(name)));
  BERTH_ASSIGN(const User* u, FindEntity(snap->state().users, name, "user"));
  Xml xml;
  xml.Open("Groups");
  for (const std::string& g : u->groups) {
    auto it = snap->state().groups.find(g);
    if (it != snap->state().groups.end()) WriteGroup(xml, "member", it->second, Arn("group", it->second.path, g));
  }
  xml.Close("Groups").Bool("IsTruncated", false);
  return std::move(xml).str();
}

}  // namespace berth::api::iam
