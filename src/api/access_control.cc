#include "api/access_control.h"

#include "oci/names.h"

namespace berth::api {

AccessControl::AccessControl(meta::MetadataStore& meta, auth::Authorizer& authorizer, std::string region,
                             bool secure, std::function<int64_t()> clock)
    : meta_(meta), authorizer_(authorizer), region_(std::move(region)), secure_(secure), clock_(std::move(clock)) {}

std::string AccessControl::RepositoryArn(std::string_view name) const {
  std::string arn;
  AppendRepositoryArn(arn, name);
  return arn;
}

void AccessControl::AppendRepositoryArn(std::string& out, std::string_view name) const {
  constexpr std::string_view kPrefix = "arn:aws:ecr:", kRepository = ":repository/";
  const std::string_view account = account_id();
  out.reserve(out.size() + kPrefix.size() + region_.size() + 1 + account.size() + kRepository.size() + name.size());
  out.append(kPrefix).append(region_).append(1, ':').append(account).append(kRepository).append(name);
}

Result<auth::Decision> AccessControl::Decide(const auth::Principal& who, std::string_view action, std::string resource,
                                             const meta::RepositoryAccess* repository, const http::Request& req,
                                             ConditionKeys keys) {
  std::string_view ip = req.remote_address();
  auth::AccessRequest request{.action = action, .resource = std::move(resource), .repository = repository,
                              .keys = std::move(keys)};
  return authorizer_.Check(who, request,
                           auth::RequestOrigin{.source_ip = std::string(ip), .secure = secure_, .now = clock_()});
}

Result<std::optional<meta::RepositoryAccess>> AccessControl::AccessOf(std::string_view name) {
  if (!berth::oci::ValidateRepositoryName(name)) return std::nullopt;
  BERTH_ASSIGN(std::optional<meta::FoundRepository> found, meta_.FindRepositoryAccess(name));
  if (!found) return std::nullopt;
  return std::move(found->access);
}

Result<auth::Decision> AccessControl::DecideOnRepository(const auth::Principal& who, std::string_view action,
                                                         std::string_view name, const http::Request& req,
                                                         ConditionKeys keys) {
  BERTH_ASSIGN(std::optional<meta::RepositoryAccess> access, AccessOf(name));
  return Decide(who, action, RepositoryArn(name), access ? &*access : nullptr, req, std::move(keys));
}

Result<bool> AccessControl::AllowedOnRepository(const auth::Principal& who, std::string_view action,
                                                std::string_view name, const http::Request& req, ConditionKeys keys) {
  if (who.unrestricted()) return true;
  BERTH_ASSIGN(auth::Decision d, DecideOnRepository(who, action, name, req, std::move(keys)));
  return d.allowed;
}

Status AccessControl::RequireOnRepository(const auth::Principal& who, std::string_view action, std::string_view name,
                                          const http::Request& req, ConditionKeys keys) {
  if (who.unrestricted()) return {};
  BERTH_ASSIGN(auth::Decision d, DecideOnRepository(who, action, name, req, std::move(keys)));
  if (!d.allowed) return std::unexpected(auth::DeniedError(d));
  return {};
}

Result<bool> AccessControl::AllowedUnderPolicy(const auth::Principal& who, std::string_view action,
                                               std::string_view name, std::string_view policy,
                                               const http::Request& req) {
  if (who.unrestricted()) return true;
  BERTH_ASSIGN(std::optional<meta::RepositoryAccess> current, AccessOf(name));
  meta::RepositoryAccess access = current ? std::move(*current) : meta::RepositoryAccess{};
  access.policy = policy;
  BERTH_ASSIGN(auth::Decision d, Decide(who, action, RepositoryArn(name), &access, req, {}));
  return d.allowed;
}

Status AccessControl::Require(const auth::Principal& who, std::string_view action, std::string resource,
                              const http::Request& req, ConditionKeys keys) {
  if (who.unrestricted()) return {};
  BERTH_ASSIGN(auth::Decision d, Decide(who, action, std::move(resource), nullptr, req, std::move(keys)));
  if (!d.allowed) return std::unexpected(auth::DeniedError(d));
  return {};
}

}  // namespace berth::api
