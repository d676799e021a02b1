#include "auth/authorizer.h"

#include <array>

#include "base/strings.h"
#include "base/time.h"

namespace berth::auth {
namespace {

constexpr std::array<std::string_view, 6> kPublicActions = {
    "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability",
    "ecr:ListImages",    "ecr:DescribeImages",         "ecr:ListImageReferrers"};

std::string Who(const Principal& p) {
  return p.kind == Principal::Kind::kAnonymous ? std::string("anonymous caller") : "User: " + p.arn;
}

}  // namespace

Authorizer::Authorizer(iam::Directory* users, std::string account_id)
    : users_(users), account_id_(std::move(account_id)) {}

bool Authorizer::IsPublicAction(std::string_view action) {
  for (std::string_view a : kPublicActions) {
    if (a == action) return true;
  }
  return false;
}

Result<Decision> Authorizer::Check(const Principal& principal, const AccessRequest& request,
                                   const RequestOrigin& origin) const {
  if (principal.unrestricted()) return Decision{.allowed = true, .message = {}};
  const bool anonymous = principal.kind == Principal::Kind::kAnonymous;

  iam::ContextLookup context = [&](std::string_view key) -> std::optional<std::vector<std::string>> {
    for (const auto& [k, v] : request.keys) {
      if (k == key) return v;
    }
    if (key == "aws:sourceip") return std::vector<std::string>{origin.source_ip};
    if (key == "aws:securetransport") return std::vector<std::string>{origin.secure ? "true" : "false"};
    if (key == "aws:currenttime") return std::vector<std::string>{IsoTime(origin.now)};
    if (key == "aws:epochtime") return std::vector<std::string>{std::to_string(origin.now)};
    if (anonymous) return std::nullopt;
    if (key == "aws:principalarn") return std::vector<std::string>{principal.arn};
    if (key == "aws:username") return std::vector<std::string>{principal.name};
    if (key == "aws:userid") return std::vector<std::string>{principal.user_id};
    if (key == "aws:principalaccount") return std::vector<std::string>{account_id_};
    if (key == "aws:principaltype") return std::vector<std::string>{"User"};
    if (request.repository != nullptr) {
      std::string_view tag;
      if (key.starts_with("aws:resourcetag/")) tag = key.substr(16);
      if (key.starts_with("ecr:resourcetag/")) tag = key.substr(16);
      if (!tag.empty()) {
        // Tag keys are case-sensitive in ECR but condition keys arrive lowercased: compare so.
        for (const auto& [k, v] : request.repository->tags) {
          if (IEquals(k, tag)) return std::vector<std::string>{v};
        }
      }
    }
    return std::nullopt;
  };
  const iam::EvalRequest eval{.action = request.action, .resource = request.resource,
                              .principal_arn = anonymous ? std::string_view() : std::string_view(principal.arn),
                              .account_id = account_id_, .context = &context};
  auto denied = [&](std::string why) {
    return Decision{.allowed = false,
                    .message = Who(principal) + " is not authorized to perform: " + std::string(request.action) +
                               " on resource: " + request.resource + " " + why};
  };

  bool identity_allows = false;
  if (!anonymous && users_ != nullptr) {
    BERTH_ASSIGN(std::shared_ptr<const iam::Snapshot> snapshot, users_->Current());
    for (const std::shared_ptr<const iam::Policy>& p : snapshot->PoliciesOf(principal.name)) {
      iam::Outcome o = iam::Evaluate(*p, iam::PolicyKind::kIdentity, eval);
      if (o.effect == iam::Effect::kDeny) return denied("with an explicit deny in an identity-based policy");
      identity_allows = identity_allows || o.effect == iam::Effect::kAllow;
    }
  }
  bool resource_allows = false;
  if (request.repository != nullptr && !request.repository->policy.empty() && users_ != nullptr) {
    Result<std::shared_ptr<const iam::Policy>> policy =
        users_->policies().Get(request.repository->policy, iam::PolicyKind::kResource);
    if (policy) {
      iam::Outcome o = iam::Evaluate(**policy, iam::PolicyKind::kResource, eval);
      if (o.effect == iam::Effect::kDeny) return denied("with an explicit deny in a resource-based policy");
      resource_allows = o.effect == iam::Effect::kAllow && o.principal == iam::PrincipalMatch::kDirect;
    }
  }
  if (anonymous) {
    if (resource_allows && IsPublicAction(request.action)) return Decision{.allowed = true, .message = {}};
    return denied("because no resource-based policy makes it public");
  }
  if (identity_allows || resource_allows) return Decision{.allowed = true, .message = {}};
  return denied("because no identity-based policy allows the " + std::string(request.action) + " action");
}

Error DeniedError(const Decision& decision) {
  return Error(Code::kPermissionDenied, decision.message, "AccessDenied");
}

}  // namespace berth::auth
