#include "api/iam/entities.h"

#include <algorithm>
#include <cctype>

#include "crypto/random.h"
#include "iam/directory.h"
#include "iam/policy.h"
#include "base/strings.h"

namespace berth::api::iam {

Result<std::string> Required(const Params& params, std::string_view name) {
  auto it = params.find(std::string(name));
  if (it == params.end() || it->second.empty()) {
    return Fail(Code::kInvalidArgument, "1 validation error detected: Value null at '" + std::string(name) +
                                            "' failed to satisfy constraint: Member must not be null",
                "ValidationError");
  }
  return it->second;
}

std::string Optional(const Params& params, std::string_view name, std::string_view fallback) {
  auto it = params.find(std::string(name));
  return it == params.end() || it->second.empty() ? std::string(fallback) : it->second;
}

Status ValidateName(std::string_view value, std::string_view parameter, size_t max) {
  const bool ok = !value.empty() && value.size() <= max && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_+=,.@-").find(c) != std::string_view::npos;
  });
  if (!ok) {
    return Fail(Code::kInvalidArgument,
                "1 validation error detected: Value '" + std::string(value.substr(0, 200)) + "' at '" +
                    std::string(parameter) + "' failed to satisfy constraint: Member must satisfy regular expression "
                    "pattern: [\\w+=,.@-]+ and have length between 1 and " + std::to_string(max),
                "ValidationError");
  }
  return {};
}

Status ValidatePath(std::string_view value, std::string_view parameter) {
  const bool ok = value.size() <= 512 && value.starts_with('/') && value.ends_with('/') &&
                  std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
  if (!ok) {
    return Fail(Code::kInvalidArgument,
                "The specified value for " + std::string(parameter) +
                    " is invalid. It must begin and end with / and contain only printable ASCII characters.",
                "ValidationError");
  }
  return {};
}

size_t PolicySize(std::string_view document) {
  return static_cast<size_t>(std::count_if(document.begin(), document.end(),
                                           [](char c) { return !std::isspace(static_cast<unsigned char>(c)); }));
}

Status ValidatePolicyDocument(std::string_view document, size_t quota, std::string_view where) {
  if (PolicySize(document) > quota) {
    return LimitExceeded("Maximum policy size of " + std::to_string(quota) + " bytes exceeded for " +
                         std::string(where));
  }
  Result<berth::iam::Policy> parsed = berth::iam::ParsePolicy(document, berth::iam::PolicyKind::kIdentity);
  if (!parsed) return std::unexpected(std::move(parsed).error());
  return {};
}

Result<Page> PageOf(const Params& params, std::vector<std::string> sorted_names) {
  size_t max_items = 100;
  if (std::string text = Optional(params, "MaxItems"); !text.empty()) {
    const bool digits = text.size() <= 4 && std::all_of(text.begin(), text.end(), ::isdigit);
    max_items = digits ? std::stoul(text) : 0;
    if (max_items < 1 || max_items > 1000) {
      return Fail(Code::kInvalidArgument,
                  "1 validation error detected: Value '" + text.substr(0, 20) +
                      "' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000",
                  "ValidationError");
    }
  }
  // The marker is the last name of the previous page: a deletion between pages skips nothing.
  const std::string marker = Optional(params, "Marker");
  auto first = marker.empty() ? sorted_names.begin()
                              : std::upper_bound(sorted_names.begin(), sorted_names.end(), marker);
  Page page;
  for (auto it = first; it != sorted_names.end() && page.names.size() < max_items; ++it) page.names.push_back(*it);
  if (!page.names.empty() && first + static_cast<std::ptrdiff_t>(page.names.size()) != sorted_names.end()) {
    page.next_marker = page.names.back();
  }
  return page;
}

void WritePageEnd(Xml& xml, const Page& page) {
  xml.Bool("IsTruncated", !page.next_marker.empty());
  if (!page.next_marker.empty()) xml.Leaf("Marker", page.next_marker);
}

std::unexpected<Error> NoSuchEntity(std::string_view kind, std::string_view name) {
  return Fail(Code::kNotFound, "The " + std::string(kind) + " with name " + std::string(name) + " cannot be found.",
              "NoSuchEntity");
}

std::unexpected<Error> AlreadyExists(std::string_view kind, std::string_view name) {
  return Fail(Code::kAlreadyExists, std::string(kind) + " with name " + std::string(name) + " already exists.",
              "EntityAlreadyExists");
}

std::unexpected<Error> LimitExceeded(std::string message) {
  return Fail(Code::kResourceExhausted, std::move(message), "LimitExceeded");
}

std::unexpected<Error> DeleteConflict(std::string message) {
  return Fail(Code::kFailedPrecondition, std::move(message), "DeleteConflict");
}

std::string NewId(std::string_view prefix) {
  return std::string(prefix) + crypto::RandomString(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
}

Status PutInlinePolicy(InlinePolicies& policies, const std::string& name, const std::string& document, size_t quota,
                       std::string_view owner) {
  size_t total = PolicySize(document);
  for (const auto& [other, doc] : policies) {
    if (other != name) total += PolicySize(doc);
  }
  if (total > quota) {
    return LimitExceeded("Maximum policy size of " + std::to_string(quota) + " bytes exceeded for " + std::string(owner));
  }
  policies[name] = document;
  return {};
}

Result<std::string> InlinePolicyXml(const InlinePolicies& policies, std::string_view owner_element,
                                    const std::string& owner, const std::string& name, std::string_view kind) {
  auto it = policies.find(name);
  if (it == policies.end()) return NoSuchEntity(kind, name);
  Xml xml;
  xml.Leaf(owner_element, owner).Leaf("PolicyName", name).Leaf("PolicyDocument", PercentEncode(it->second));
  return std::move(xml).str();
}

Result<std::string> InlinePolicyNamesXml(const Params& params, const InlinePolicies& policies) {
  std::vector<std::string> names;
  for (const auto& [name, _] : policies) names.push_back(name);
  BERTH_ASSIGN(Page page, PageOf(params, std::move(names)));
  Xml xml;
  xml.Open("PolicyNames");
  for (const std::string& name : page.names) xml.Leaf("member", name);
  xml.Close("PolicyNames");
  WritePageEnd(xml, page);
  return std::move(xml).str();
}

Status DeleteInlinePolicy(InlinePolicies& policies, const std::string& name, std::string_view kind) {
  if (policies.erase(name) == 0) return NoSuchEntity(kind, name);
  return {};
}

Status AttachManagedPolicy(const berth::iam::IamState& state, std::string_view account_id,
                           std::vector<std::string>& attached, const std::string& arn, std::string_view quota_name) {
  if (!berth::iam::ManagedPolicyDocument(state, account_id, arn)) {
    return Fail(Code::kNotFound, "Policy " + arn + " does not exist or is not attachable.", "NoSuchEntity");
  }
  if (std::find(attached.begin(), attached.end(), arn) != attached.end()) return {};
  if (attached.size() >= kMaxAttachedPolicies) {
    return LimitExceeded("Cannot exceed quota for " + std::string(quota_name) + ": " +
                         std::to_string(kMaxAttachedPolicies));
  }
  attached.push_back(arn);
  return {};
}

Status DetachManagedPolicy(std::vector<std::string>& attached, const std::string& arn) {
  auto it = std::find(attached.begin(), attached.end(), arn);
  if (it == attached.end()) return Fail(Code::kNotFound, "Policy " + arn + " was not found.", "NoSuchEntity");
  attached.erase(it);
  return {};
}

void WriteUser(Xml& xml, std::string_view element, const berth::iam::User& u, const std::string& arn) {
  xml.Open(element).Leaf("Path", u.path).Leaf("UserName", u.name).Leaf("UserId", u.id).Leaf("Arn", arn);
  xml.Leaf("CreateDate", IsoTime(u.created_at)).Close(element);
}

void WriteGroup(Xml& xml, std::string_view element, const berth::iam::Group& g, const std::string& arn) {
  xml.Open(element).Leaf("Path", g.path).Leaf("GroupName", g.name).Leaf("GroupId", g.id).Leaf("Arn", arn);
  xml.Leaf("CreateDate", IsoTime(g.created_at)).Close(element);
}

void WriteAttached(Xml& xml, const std::vector<std::string>& arns) {
  xml.Open("AttachedPolicies");
  for (const std::string& arn : arns) {
    xml.Open("member").Leaf("PolicyName", arn.substr(arn.rfind('/') + 1)).Leaf("PolicyArn", arn).Close("member");
  }
  xml.Close("AttachedPolicies").Bool("IsTruncated", false);
}

}  // namespace berth::api::iam
