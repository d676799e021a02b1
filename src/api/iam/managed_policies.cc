// Managed policies: the account's own (customer managed) and AWS's ECR policies.
#include <algorithm>

#include "api/iam/entities.h"
#include "base/strings.h"
#include "iam/directory.h"
#include "iam/managed.h"

namespace berth::api::iam {
namespace {

using berth::iam::IamState;
using berth::iam::ManagedPolicy;

// One policy as IAM lists it, whichever kind.
struct PolicyView {
  std::string name, id, arn, path, description, document;
  int64_t created_at = 0, updated_at = 0;
};

int64_t AttachmentCount(const IamState& s, const std::string& arn) {
  int64_t n = 0;
  for (const auto& [_, u] : s.users) n += std::count(u.attached.begin(), u.attached.end(), arn);
  for (const auto& [_, g] : s.groups) n += std::count(g.attached.begin(), g.attached.end(), arn);
  return n;
}

std::vector<PolicyView> AllPolicies(const IamState& s, const std::string& account, bool aws, bool local) {
  std::vector<PolicyView> out;
  if (aws) {
    for (const berth::iam::AwsManagedPolicy& p : berth::iam::AwsManagedPolicies()) {
      out.push_back(PolicyView{.name = std::string(p.name), .id = std::string(p.id),
                               .arn = std::string(berth::iam::kAwsManagedArnPrefix) + std::string(p.name),
                               .path = "/", .description = std::string(p.description),
                               .document = std::string(p.document),
                               .created_at = berth::iam::kAwsManagedPoliciesCreated,
                               .updated_at = berth::iam::kAwsManagedPoliciesCreated});
    }
  }
  if (local) {
    for (const auto& [_, p] : s.policies) {
      out.push_back(PolicyView{.name = p.name, .id = p.id, .arn = berth::iam::ManagedPolicyArn(account, p),
                               .path = p.path, .description = p.description, .document = p.document,
                               .created_at = p.created_at, .updated_at = p.updated_at});
    }
  }
  std::sort(out.begin(), out.end(), [](const PolicyView& a, const PolicyView& b) { return a.arn < b.arn; });
  return out;
}

Result<PolicyView> FindPolicy(const IamState& s, const std::string& account, std::string_view arn) {
  for (PolicyView& p : AllPolicies(s, account, true, true)) {
    if (p.arn == arn) return std::move(p);
  }
  return Fail(Code::kNotFound, "Policy " + std::string(arn.substr(0, 300)) + " does not exist or is not attachable.",
              "NoSuchEntity");
}

void WritePolicy(Xml& xml, std::string_view element, const PolicyView& p, int64_t attachments) {
  xml.Open(element).Leaf("PolicyName", p.name).Leaf("PolicyId", p.id).Leaf("Arn", p.arn).Leaf("Path", p.path);
  xml.Leaf("DefaultVersionId", "v1").Leaf("AttachmentCount", attachments).Leaf("PermissionsBoundaryUsageCount", 0);
  xml.Bool("IsAttachable", true);
  if (!p.description.empty()) xml.Leaf("Description", p.description);
  xml.Leaf("CreateDate", IsoTime(p.created_at)).Leaf("UpdateDate", IsoTime(p.updated_at)).Close(element);
}

}  // namespace

IamApi::Output IamApi::CreatePolicy(const Call& call) {
  BERTH_ASSIGN(std::string name, Required(call.params, "PolicyName"));
  BERTH_ASSIGN(std::string document, Required(call.params, "PolicyDocument"));
  BERTH_TRY(ValidateName(name, "policyName", 128));
  const std::string path = Optional(call.params, "Path", "/");
  BERTH_TRY(ValidatePath(path, "path"));
  const std::string description = Optional(call.params, "Description");
  if (description.size() > 1000) {
    return Fail(Code::kInvalidArgument, "Description must be at most 1000 characters", "ValidationError");
  }
  BERTH_TRY(ValidatePolicyDocument(document, kManagedPolicyQuota, "policy " + name));
  const int64_t now = clock_();
  ManagedPolicy created{.name = name, .id = NewId("ANPA"), .path = path, .description = description,
                        .document = document, .created_at = now, .updated_at = now};
  const std::string arn = berth::iam::ManagedPolicyArn(access_.account_id(), created);
  BERTH_TRY(Update(call, "CreatePolicy", arn, [&](IamState& s) -> Status {
    for (const auto& [existing, _] : s.policies) {
      if (IEquals(existing, name)) {
        return Fail(Code::kAlreadyExists, "A policy called " + existing + " already exists. Duplicate names are not allowed.",
                    "EntityAlreadyExists");
      }
    }
    if (s.policies.size() >= kMaxManagedPolicies) return LimitExceeded("Cannot exceed quota for PoliciesPerAccount: 1500");
    s.policies[name] = created;
    return {};
  }));
  Xml xml;
  WritePolicy(xml, "Policy",
              PolicyView{.name = name, .id = created.id, .arn = arn, .path = path, .description = description,
                         .document = document, .created_at = now, .updated_at = now},
              0);
  return std::move(xml).str();
}

IamApi::Output IamApi::GetPolicy(const Call& call) {
  BERTH_ASSIGN(std::string arn, Required(call.params, "PolicyArn"));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "GetPolicy", arn));
  BERTH_ASSIGN(PolicyView p, FindPolicy(snap->state(), access_.account_id(), arn));
  Xml xml;
  WritePolicy(xml, "Policy", p, AttachmentCount(snap->state(), p.arn));
  return std::move(xml).str();
}

IamApi::Output IamApi::GetPolicyVersion(const Call& call) {
  BERTH_ASSIGN(std::string arn, Required(call.params, "PolicyArn"));
  BERTH_ASSIGN(std::string version, Required(call.params, "VersionId"));
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap, Read(call, "GetPolicyVersion", arn));
  BERTH_ASSIGN(PolicyView p, FindPolicy(snap->state(), access_.account_id(), arn));
  // Policies have one version: changing a policy is deleting and creating it again.
  if (version != "v1") {
    return Fail(Code::kNotFound, "Policy " + arn + " version " + version.substr(0, 20) + " does not exist.",
                "NoSuchEntity");
  }
  Xml xml;
  xml.Open("PolicyVersion").Leaf("Document", PercentEncode(p.document)).Leaf("VersionId", "v1");
  xml.Bool("IsDefaultVersion", true).Leaf("CreateDate", IsoTime(p.created_at)).Close("PolicyVersion");
  return std::move(xml).str();
}

IamApi::Output IamApi::ListPolicies(const Call& call) {
  const std::string scope = Optional(call.params, "Scope", "All");
  if (scope != "All" && scope != "AWS" && scope != "Local") {
    return Fail(Code::kInvalidArgument,
                "1 validation error detected: Value '" + scope.substr(0, 20) +
                    "' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]",
                "ValidationError");
  }
  const bool only_attached = Optional(call.params, "OnlyAttached") == "true";
  const std::string prefix = Optional(call.params, "PathPrefix", "/");
  BERTH_ASSIGN(std::shared_ptr<const berth::iam::Snapshot> snap,
               Read(call, "ListPolicies", "arn:aws:iam::" + access_.account_id() + ":policy/*"));
  std::vector<PolicyView> all = AllPolicies(snap->state(), access_.account_id(), scope != "Local", scope != "AWS");
  std::vector<std::string> arns;
  std::map<std::string, const PolicyView*> by_arn;
  for (const PolicyView& p : all) {
    if (!p.path.starts_with(prefix)) continue;
    if (only_attached && AttachmentCount(snap->state(), p.arn) == 0) continue;
    arns.push_back(p.arn);
    by_arn[p.arn] = &p;
  }
  BERTH_ASSIGN(Page page, PageOf(call.params, std::move(arns)));
  Xml xml;
  xml.Open("Policies");
  for (const std::string& arn : page.names) WritePolicy(xml, "member", *by_arn[arn], AttachmentCount(snap->state(), arn));
  xml.Close("Policies");
  WritePageEnd(xml, page);
  return std::move(xml).str();
}

IamApi::Output IamApi::DeletePolicy(const Call& call) {
  BERTH_ASSIGN(std::string arn, Required(call.params, "PolicyArn"));
  if (arn.starts_with(berth::iam::kAwsManagedArnPrefix)) {
    return Fail(Code::kInvalidArgument, "AWS managed policies cannot be deleted.", "InvalidInput");
  }
  BERTH_TRY(Update(call, "DeletePolicy", arn, [&](IamState& s) -> Status {
    for (auto it = s.policies.begin(); it != s.policies.end(); ++it) {
      if (berth::iam::ManagedPolicyArn(access_.account_id(), it->second) != arn) continue;
      if (AttachmentCount(s, arn) > 0) return DeleteConflict("Cannot delete a policy attached to entities.");
      s.policies.erase(it);
      return {};
    }
    return Fail(Code::kNotFound, "Policy " + arn.substr(0, 300) + " was not found.", "NoSuchEntity");
  }));
  return std::string();
}

}  // namespace berth::api::iam
