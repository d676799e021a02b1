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

Result<Group*> FindGroup(IamState& s, const std::string& name) {
  auto it = s.groups.find(name);
  if (it == s.groups.end()) return NoSuchEntity("group", name);
  return &it->second;
}

Result<const Group*> FindGroup(const IamState& s, const std::string& name) {
  auto it = s.groups.find(name);
  if (it == s.groups.end()) return NoSuchEntity("group", name);
  return &it->second;
}

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
  BERTH_ASSIGN(const Group* g, FindGroup(snap->state(), name));
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
    BERTH_ASSIGN(Group * g, FindGroup(s, name));
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
    BERTH_TRY(FindGroup(s, name));
    auto u = s.users.find(user);
    if (u == s.users.end()) return NoSuchEntity("user", user);
    std::vector<std::string>& groups = u->second.groups;
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
    BERTH_TRY(FindGroup(s, name));
    auto u = s.users.find(user);
    if (u == s.users.end()) return NoSuchEntity("user", user);
    std::vector<std::string>& groups = u->second.groups;
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
    BERTH_ASSIGN(Group * g, FindGroup(s, name));
    size_t total = PolicySize(document);
    for (const auto& [p, doc] : g->inline_policies) {
      if (p != policy) total += PolicySize(doc);
    }
    if (total > kGroupPolicyQuota) return LimitExceeded("Maximum policy size of 5120 bytes exceeded for group " + name);
    g->inline_policies[policy] = document;
    return {};
  }));
  return std::string();
}

IamApi::Output IamApi::GetGroupPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string policy, Required(call.params, "PolicyName"));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "GetGroupPolicy", GroupArn(name)));
  BERTH_ASSIGN(const Group* g, FindGroup(snap->state(), name));
  auto it = g->inline_policies.find(policy);
  if (it == g->inline_policies.end()) return NoSuchEntity("group policy", policy);
  Xml xml;
  xml.Leaf("GroupName", name).Leaf("PolicyName", policy).Leaf("PolicyDocument", UriEncode(it->second));
  return std::move(xml).str();
}

IamApi::Output IamApi::ListGroupPolicies(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "ListGroupPolicies", GroupArn(name)));
  BERTH_ASSIGN(const Group* g, FindGroup(snap->state(), name));
  std::vector<std::string> names;
  for (const auto& [p, _] : g->inline_policies) names.push_back(p);
  BERTH_ASSIGN(Page page, PageOf(call.params, std::move(names)));
  Xml xml;
  xml.Open("PolicyNames");
  for (const std::string& p : page.names) xml.Leaf("member", p);
  xml.Close("PolicyNames");
  WritePageEnd(xml, page);
  return std::move(xml).str();
}

IamApi::Output IamApi::DeleteGroupPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string policy, Required(call.params, "PolicyName"));
  BERTH_TRY(Update(call, "DeleteGroupPolicy", GroupArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(Group * g, FindGroup(s, name));
    if (g->inline_policies.erase(policy) == 0) return NoSuchEntity("group policy", policy);
    return {};
  }));
  return std::string();
}

IamApi::Output IamApi::AttachGroupPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string arn, Required(call.params, "PolicyArn"));
  BERTH_TRY(Update(call, "AttachGroupPolicy", GroupArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(Group * g, FindGroup(s, name));
    if (!berth::iam::ManagedPolicyDocument(s, access_.account_id(), arn)) {
      return Fail(Code::kNotFound, "Policy " + arn + " does not exist or is not attachable.", "NoSuchEntity");
    }
    if (std::find(g->attached.begin(), g->attached.end(), arn) != g->attached.end()) return {};
    if (g->attached.size() >= kMaxAttachedPolicies) return LimitExceeded("Cannot exceed quota for PoliciesPerGroup: 10");
    g->attached.push_back(arn);
    return {};
  }));
  return std::string();
}

IamApi::Output IamApi::DetachGroupPolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::string arn, Required(call.params, "PolicyArn"));
  BERTH_TRY(Update(call, "DetachGroupPolicy", GroupArn(name), [&](IamState& s) -> Status {
    BERTH_ASSIGN(Group * g, FindGroup(s, name));
    auto it = std::find(g->attached.begin(), g->attached.end(), arn);
    if (it == g->attached.end()) return Fail(Code::kNotFound, "Policy " + arn + " was not found.", "NoSuchEntity");
    g->attached.erase(it);
    return {};
  }));
  return std::string();
}

IamApi::Output IamApi::ListAttachedGroupPolicies(const Call& call) {
  BERTH_ASSIGN(std::string name, GroupName(call.params));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap,
               Read(call, "ListAttachedGroupPolicies", GroupArn(name)));
  BERTH_ASSIGN(const Group* g, FindGroup(snap->state(), name));
  Xml xml;
  WriteAttached(xml, g->attached);
  return std::move(xml).str();
}

}  // namespace berth::api::iam
