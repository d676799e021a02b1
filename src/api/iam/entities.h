// api/iam/entities.h
//
// What the IAM operation files share: reading and validating parameters as IAM does (names,
// paths, paging, policy documents with their size quotas), IAM's error wording, and the XML of
// each entity. Internal to api/iam.
#pragma once

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

void WriteUser(Xml& xml, std::string_view element, const berth::iam::User& u, const std::string& arn);
void WriteGroup(Xml& xml, std::string_view element, const berth::iam::Group& g, const std::string& arn);
// <AttachedPolicies> of a user or group, and <IsTruncated>.
void WriteAttached(Xml& xml, const std::vector<std::string>& arns);

}  // namespace berth::api::iam
