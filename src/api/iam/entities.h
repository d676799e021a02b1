// api/iam/entities.h
//
// What the IAM operation files share: reading and validating parameters as IAM does (names,
// paths, paging, policy documents with their size quotas), IAM's error wording, and the XML of
// each entity. Internal to api/iam.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/iam/iam_api.h"
#include "api/iam/query.h"
#include "iam/state.h"

namespace berth::api::iam {

using Params = IamApi::Params;

// A parameter that must be present and non-empty; ValidationError otherwise.
Result<std::string> Required(const Params& params, std::string_view name);
std::string Optional(const Params& params, std::string_view name, std::string_view fallback = "");

// User, group and policy names: [\w+=,.@-]{1,max}.
Status ValidateName(std::string_view value, std::string_view parameter, size_t max);
// "/" or "/a/b/" (printable ASCII, at most 512 characters).
Status ValidatePath(std::string_view value, std::string_view parameter);
// An identity policy that parses, within IAM's size quota for where it goes (counted without
// whitespace, as IAM counts).
Status ValidatePolicyDocument(std::string_view document, size_t quota, std::string_view where);

inline constexpr size_t kUserPolicyQuota = 2048;    // all of a user's inline policies together
inline constexpr size_t kGroupPolicyQuota = 5120;   // all of a group's
inline constexpr size_t kManagedPolicyQuota = 6144;  // one managed policy
inline constexpr size_t kMaxAttachedPolicies = 10;
inline constexpr size_t kMaxGroupsPerUser = 10;
inline constexpr size_t kMaxAccessKeysPerUser = 2;
inline constexpr size_t kMaxUsers = 5000;
inline constexpr size_t kMaxGroups = 300;
inline constexpr size_t kMaxManagedPolicies = 1500;

// Marker and MaxItems (1-1000, default 100) over names in order: the page, and the marker for
// the next page or "" when this is the last.
struct Page {
  std::vector<std::string> names;
  std::string next_marker;
};
Result<Page> PageOf(const Params& params, std::vector<std::string> sorted_names);
// <IsTruncated> and <Marker> for a page.
void WritePageEnd(Xml& xml, const Page& page);

std::unexpected<Error> NoSuchEntity(std::string_view kind, std::string_view name);
std::unexpected<Error> AlreadyExists(std::string_view kind, std::string_view name);
std::unexpected<Error> LimitExceeded(std::string message);
std::unexpected<Error> DeleteConflict(std::string message);

// Total size of a set of inline policies, without whitespace.
size_t PolicySize(std::string_view document);

// A fresh ID with IAM's prefix for the kind: AIDA (user), AGPA (group), ANPA (policy).
std::string NewId(std::string_view prefix);

// The user or group `name` among `entities` (an IamState's users or groups), or NoSuchEntity.
template <class Map>
auto FindEntity(Map& entities, const std::string& name, std::string_view kind)
    -> Result<decltype(&entities.begin()->second)> {
  auto it = entities.find(name);
  if (it == entities.end()) return NoSuchEntity(kind, name);
  return &it->second;
}

// What users and groups share: inline policies (IAM counts them together against the owner's
// quota; `owner` reads "user alice" in messages) and attached managed ones.
using InlinePolicies = std::map<std::string, std::string>;
Status PutInlinePolicy(InlinePolicies& policies, const std::string& name, const std::string& document, size_t quota,
                       std::string_view owner);
// Get*Policy's result: the owner (`owner_element` "UserName" or "GroupName"), the policy and its
// document as IAM encodes it.
Result<std::string> InlinePolicyXml(const InlinePolicies& policies, std::string_view owner_element,
                                    const std::string& owner, const std::string& name, std::string_view kind);
// List*Policies's result, paged.
Result<std::string> InlinePolicyNamesXml(const Params& params, const InlinePolicies& policies);
Status DeleteInlinePolicy(InlinePolicies& policies, const std::string& name, std::string_view kind);
// Attaching twice is not an error; past kMaxAttachedPolicies is (`quota_name` "PoliciesPerUser").
Status AttachManagedPolicy(const berth::iam::IamState& state, std::string_view account_id,
                           std::vector<std::string>& attached, const std::string& arn, std::string_view quota_name);
Status DetachManagedPolicy(std::vector<std::string>& attached, const std::string& arn);

void WriteUser(Xml& xml, std::string_view element, const berth::iam::User& u, const std::string& arn);
void WriteGroup(Xml& xml, std::string_view element, const berth::iam::Group& g, const std::string& arn);
// <AttachedPolicies> of a user or group, and <IsTruncated>.
void WriteAttached(Xml& xml, const std::vector<std::string>& arns);

}  // namespace berth::api::iam
