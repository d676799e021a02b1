#include "cache/rule.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/json.h"

namespace berth::cache {
namespace {

namespace json = boost::json;

struct Known {
  std::string_view suffix;  // the host, or its domain when it starts with '.'
  std::string_view name;
};
constexpr Known kKnown[] = {
    {"registry-1.docker.io", "docker-hub"},      {"public.ecr.aws", "ecr-public"},
    {"quay.io", "quay"},                          {"registry.k8s.io", "k8s"},
    {"ghcr.io", "github-container-registry"},     {"registry.gitlab.com", "gitlab-container-registry"},
    {".azurecr.io", "azure-container-registry"}, {"cgr.dev", "chainguard"},
    {".amazonaws.com", "ecr"},
};

}  // namespace

std::string ToJson(const Rule& r) {
  return json::serialize(json::object{{"upstreamRegistryUrl", r.upstream_url},
                                      {"upstreamRegistry", r.upstream_registry},
                                      {"credentialArn", r.credential_arn},
                                      {"customRoleArn", r.custom_role_arn},
                                      {"upstreamRepositoryPrefix", r.upstream_prefix},
                                      {"createdAt", r.created_at},
                                      {"updatedAt", r.updated_at}});
}

Result<Rule> RuleFromJson(std::string_view ecr_prefix, std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return Fail(Code::kInternal, "the stored pull-through cache rule is corrupt");
  const json::object& o = doc.get_object();
  Rule r{.ecr_prefix = std::string(ecr_prefix),
         .upstream_url = JsonString(o, "upstreamRegistryUrl"),
         .upstream_registry = JsonString(o, "upstreamRegistry"),
         .credential_arn = JsonString(o, "credentialArn"),
         .custom_role_arn = JsonString(o, "customRoleArn"),
         .upstream_prefix = JsonString(o, "upstreamRepositoryPrefix"),
         .created_at = JsonInt(o, "createdAt"),
         .updated_at = JsonInt(o, "updatedAt")};
  if (r.upstream_prefix.empty()) r.upstream_prefix = std::string(kRoot);
  return r;
}

std::string NormalizePrefix(std::string_view prefix) {
  std::string out(prefix);
  while (out.size() > 1 && out.ends_with('/')) out.pop_back();
  return out;
}

Result<http::Url> UpstreamEndpoint(std::string_view upstream_url) {
  const bool has_scheme = upstream_url.starts_with("https://") || upstream_url.starts_with("http://");
  Result<http::Url> url = http::Url::Parse(has_scheme ? std::string(upstream_url) : "https://" + std::string(upstream_url));
  if (!url || (url->target != "/" && url->target != "")) {
    return Fail(Code::kInvalidArgument,
                "upstreamRegistryUrl must be a registry host (registry-1.docker.io, quay.io, host:port) or "
                "https://host[:port] / http://host[:port], without a path",
                "InvalidParameterException");
  }
  url->target = "/";
  return url;
}

std::string KnownUpstreamRegistry(std::string_view host) {
  for (const Known& k : kKnown) {
    if (k.suffix.starts_with('.') ? host.ends_with(k.suffix) : host == k.suffix) return std::string(k.name);
  }
  return "";
}

bool NeedsCredentials(std::string_view r) {
  return r == "docker-hub" || r == "github-container-registry" || r == "gitlab-container-registry" ||
         r == "azure-container-registry";
}

const Rule* MatchRule(const std::vector<Rule>& rules, std::string_view repository) {
  const Rule* best = nullptr;
  const Rule* root = nullptr;
  for (const Rule& r : rules) {
    if (r.ecr_prefix == kRoot) {
      root = &r;
      continue;
    }
    if (repository.size() > r.ecr_prefix.size() + 1 && repository.starts_with(r.ecr_prefix) &&
        repository[r.ecr_prefix.size()] == '/' && (best == nullptr || r.ecr_prefix.size() > best->ecr_prefix.size())) {
      best = &r;
    }
  }
  return best != nullptr ? best : root;
}

std::string UpstreamRepository(const Rule& rule, std::string_view repository) {
  std::string_view rest = rule.ecr_prefix == kRoot ? repository : repository.substr(rule.ecr_prefix.size() + 1);
  if (rule.upstream_prefix.empty() || rule.upstream_prefix == kRoot) return std::string(rest);
  return NormalizePrefix(rule.upstream_prefix) + "/" + std::string(rest);
}

}  // namespace berth::cache
