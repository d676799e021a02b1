// cache/rule.h
//
// ECR's pull-through cache rules, pure: a rule maps repositories under an ECR prefix
// ("docker-hub/...") to an upstream registry, optionally under an upstream repository prefix,
// with credentials named by a Secrets Manager ARN. The upstream is one of ECR's (by host name,
// reached over HTTPS) or, beyond ECR, any OCI registry by URL (https://host[:port], or http://
// for a registry on a trusted network).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "http/client.h"

namespace berth::cache {

inline constexpr std::string_view kRoot = "ROOT";

struct Rule {
  std::string ecr_prefix;  // "docker-hub" (no trailing slash), or ROOT
  std::string upstream_url;
  std::string upstream_registry;  // ECR's name for it (docker-hub, quay, ...); empty for others
  std::string credential_arn;
  std::string custom_role_arn;
  std::string upstream_prefix = std::string(kRoot);
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

std::string ToJson(const Rule& rule);
Result<Rule> RuleFromJson(std::string_view ecr_prefix, std::string_view json);

// "team/" and "team" are the same prefix.
std::string NormalizePrefix(std::string_view prefix);

// Where the upstream registry is reached: ECR's upstream host names and "host[:port]" over
// HTTPS, or the URL given. InvalidParameterException for anything else (a path, credentials).
Result<http::Url> UpstreamEndpoint(std::string_view upstream_url);
// ECR's upstreamRegistry for a host it knows; empty for any other registry.
std::string KnownUpstreamRegistry(std::string_view host);
// Whether ECR requires credentials for that upstream (Docker Hub, GitHub, GitLab, Azure).
bool NeedsCredentials(std::string_view upstream_registry);

// The rule whose prefix is the longest namespace holding `repository`, else ROOT's; nullptr
// when none applies. A repository named as a prefix itself is not under it.
const Rule* MatchRule(const std::vector<Rule>& rules, std::string_view repository);
// The upstream repository `repository` stands for under `rule`.
std::string UpstreamRepository(const Rule& rule, std::string_view repository);

}  // namespace berth::cache
