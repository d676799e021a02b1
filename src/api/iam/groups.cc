// IAM groups: membership, inline and attached policies.
#include <algorithm>

#include "api/iam/entities.h"
#include "base/strings.h"
#include "iam/directory.h"

namespace berth::api::iam {
namespace {

using berth::iam::Group;
using berth::iam::IamState;
using berth::iam::User;

Result<std::string> GroupName(const IamApi::Params& params) {
  BERTH_ASSIGN(std::string name, Required(params, "GroupName"));
  BERTH_TRY(ValidateName(name, "groupName", 128));
  return name;
}

}  // namespace

IamApi::Output IamApi::CreateGroup(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  const std::string path = Optional(call.params, "Path", "/");
  BERTH_TRY(ValidatePath(path, "path"));
  Group created{.name = name, .id = NewId("AGPA"), .path = path, .created_at = clock_(), .inline_policies = {},
                .attached = {}};
  BERTH_TRY(Update(call, "CreateGroup", Arn("group", path, name), [&](IamState& s) -> Status {
    for (const auto& [existing, _] : s.groups) {
      if (IEquals(existing, name)) return AlreadyExists("Group", existing);
    }
    if (s.groups.size() >= kMaxGroups) return LimitExceeded("Cannot exceed quota for GroupsPerAccount: 300");
    s.groups[name] = created;
    return {};
  }));
  Xml xml;
  WriteGroup(xml, "Group", created, Arn("group", path, name));
  return std::move(xml).str();
}

IamApi::Output IamApi::GetGroup(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "GetGroup", GroupArn(name)));
  BERTH_ASSIGN(const Group* g, FindEntity(snap->state().groups, name, "group"));
  std::vector<std::string> members;
  for (const auto& [user, u] : snap->state().users) {
    if (std::find(u.groups.begin(), u.groups.end(), name) != u.groups.end()) members.push_back(user);
  }
  BERTH_ASSIGN(Page page, PageOf(call.params, std::move(members)));
  Xml xml;
  WriteGroup(xml, "Group", *g, Arn("group", g->path, g->name));
  xml.Open("Users");
  for (const std::string& user : page.names) {
    const User& u = snap->state().users.at(user);
    WriteUser(xml, "member", u, Arn("user", u.path, u.name));
  }
  xml.Close("Users");
  WritePageEnd(xml, page);
  return std::move(xml).str();
}

IamApi::Output IamApi::ListGroups(const Call& call) {
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "ListGroups", Arn("group", "/", "*")));
  const std::string prefix = Optional(call.params, "PathPrefix", "/");
  std::vector<std::string> names;
  for (const auto& [name, g] : snap->state().groups) {
    if (g.path.starts_with(prefix)) names.push_back(name);
  }
  BERTH_ASSIGN(Page page, PageOf(call.params, std::move(names)));
  Xml xml;
  xml.Open("Groups");
  for (const std::string& name : page.names) {
    const Group& g = snap->state().groups.at(name);
    WriteGroup(xml, "member", g, Arn("group", g.path, g.name));
  }
  xml.Close("Groups");
  WritePageEnd(xml, page);
  return std::move(xml).str();
}

IamApi::Output IamApi::DeleteGroup(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_TRY(Update(call, "DeleteGroup", GroupArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(Group * g, FindEntity(s.groups, name, "group"));
    for (const auto& [_, u] : s.users) {
      if (std::find(u.groups.begin(), u.groups.end(), name) != u.groups.end()) {
        return DeleteConflict("Cannot delete entity, must remove users from group first.");
      }
    }
    if (!g->inline_policies.empty()) return DeleteConflict("Cannot delete entity, must delete policies first.");
    if (!g->attached.empty()) return DeleteConflict("Cannot delete entity, must detach all policies first.");
    s.groups.erase(name);
    return {};
  }));
  return std::string();
}

IamApi::Output IamApi::AddUserToGroup(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string user, Required(call.params, "UserName"));
  BERTH_TRY(ValidateName(user, "userName", 64));
  BERTH_TRY(Update(call, "AddUserToGroup", GroupArn(name), [&](IamState& s) -> Status {
    BERTH_TRY(FindEntity(s.groups, name, "group"));
    BERTH_ASSIGN(User * u, FindEntity(s.users, user, "user"));
    std::vector<std::string>& groups = u->groups;
    if (std::find(groups.begin(), groups.end(), name) != groups.end()) return {};
    if (groups.size() >= kMaxGroupsPerUser) return LimitExceeded("Cannot exceed quota for GroupsPerUser: 10");
    groups.push_back(name);
    return {};
  }));
  return std::string();
}

IamApi::Output IamApi::RemoveUserFromGroup(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string user, Required(call.params, "UserName"));
  BERTH_TRY(ValidateName(user, "userName", 64));
  BERTH_TRY(Update(call, "RemoveUserFromGroup", GroupArn(name), [&](IamState& s) -> Status {
    BERTH_TRY(FindEntity(s.groups, name, "group"));
    BERTH_ASSIGN(User * u, FindEntity(s.users, user, "user"));
    std::vector<std::string>& groups = u->groups;
    auto it = std::find(groups.begin(), groups.end(), name);
    if (it == groups.end()) return NoSuchEntity("user in group", user);
    groups.erase(it);
    return {};
  }));
  return std::string();
}

IamApi::Output IamApi::PutGroupPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string policy, Required(call.params, "PolicyName"));
  BERTH_ASSIGN(std::string document, Required(call.params, "PolicyDocument"));
  BERTH_TRY(ValidateName(policy, "policyName", 128));
  BERTH_TRY(ValidatePolicyDocument(document, kGroupPolicyQuota, "group " + name));
  BERTH_TRY(Update(call, "PutGroupPolicy", GroupArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(Group * g, FindEntity(s.groups, name, "group"));
    return PutInlinePolicy(g->inline_policies, policy, document, kGroupPolicyQuota, "group " + name);
  }));
  return std::string();
}

IamApi::Output IamApi::GetGroupPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string policy, Required(call.params, "PolicyName"));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "GetGroupPolicy", GroupArn(name)));
  BERTH_ASSIGN(const Group* g, FindEntity(snap->state().groups, name, "group"));
  return InlinePolicyXml(g->inline_policies, "GroupName", name, policy, "group policy");
}

IamApi::Output IamApi::ListGroupPolicies(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "ListGroupPolicies", GroupArn(name)));
  BERTH_ASSIGN(const Group* g, FindEntity(snap->state().groups, name, "group"));
  return InlinePolicyNamesXml(call.params, g->inline_policies);
}

IamApi::Output IamApi::DeleteGroupPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string policy, Required(call.params, "PolicyName"));
  BERTH_TRY(Update(call, "DeleteGroupPolicy", GroupArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(Group * g, FindEntity(s.groups, name, "group"));
    return DeleteInlinePolicy(g->inline_policies, policy, "group policy");
  }));
  return std::string();
}

IamApi::Output IamApi::AttachGroupPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string arn, Required(call.params, "PolicyArn"));
  BERTH_TRY(Update(call, "AttachGroupPolicy", GroupArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(Group * g, FindEntity(s.groups, name, "group"));
    return AttachManagedPolicy(s, access_.account_id(), g->attached, arn, "PoliciesPerGroup");
  }));
  return std::string();
}

IamApi::Output IamApi::DetachGroupPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string arn, Required(call.params, "PolicyArn"));
  BERTH_TRY(Update(call, "DetachGroupPolicy", GroupArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(Group * g, FindEntity(s.groups, name, "group"));
    return DetachManagedPolicy(g->attached, arn);
  }));
  return std::string();
}

IamApi::Output IamApi::ListAttachedGroupPolicies(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap,
               Read(call, "ListAttachedGroupPolicies", GroupArn(name)));
  BERTH_ASSIGN(const Group* g, FindEntity(snap->state().groups, name, "group"));
  Xml xml;
  WriteAttached(xml, g->attached);
  return std::move(xml).str();
}

}  // namespace berth::api::iam
