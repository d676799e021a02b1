#include "cache/rule.h"

#include <gtest/gtest.h>

namespace berth::cache {
namespace {

TEST(Rule, TheLongestPrefixWinsAndRootCatchesTheRest) {
  std::vector<Rule> rules{{.ecr_prefix = "hub"}, {.ecr_prefix = "hub/team"}, {.ecr_prefix = "ROOT"}};
  EXPECT_EQ(MatchRule(rules, "hub/library/alpine")->ecr_prefix, "hub");
  EXPECT_EQ(MatchRule(rules, "hub/team/app")->ecr_prefix, "hub/team");
  EXPECT_EQ(MatchRule(rules, "hubx/app")->ecr_prefix, "ROOT");
  EXPECT_EQ(MatchRule(rules, "hub")->ecr_prefix, "ROOT");
  rules.pop_back();
  EXPECT_EQ(MatchRule(rules, "other/app"), nullptr);
  EXPECT_EQ(MatchRule(rules, "hub"), nullptr);
}

TEST(Rule, UpstreamRepositoriesKeepTheRestOfTheName) {
  Rule hub{.ecr_prefix = "hub"};
  EXPECT_EQ(UpstreamRepository(hub, "hub/library/alpine"), "library/alpine");
  Rule prefixed{.ecr_prefix = "mirror", .upstream_prefix = "team/"};
  EXPECT_EQ(UpstreamRepository(prefixed, "mirror/app"), "team/app");
  Rule root{.ecr_prefix = "ROOT"};
  EXPECT_EQ(UpstreamRepository(root, "a/b"), "a/b");
}

TEST(Rule, UpstreamEndpoints) {
  http::Url hub = *UpstreamEndpoint("registry-1.docker.io");
  EXPECT_TRUE(hub.tls);
  EXPECT_EQ(hub.Origin(), "https://registry-1.docker.io");
  http::Url local = *UpstreamEndpoint("http://127.0.0.1:5001");
  EXPECT_FALSE(local.tls);
  EXPECT_EQ(local.port, 5001);
  EXPECT_EQ(UpstreamEndpoint("https://[::1]:8443")->host, "::1");
  EXPECT_FALSE(UpstreamEndpoint("https://host/path").has_value());
  EXPECT_FALSE(UpstreamEndpoint("ftp://host").has_value());
  EXPECT_FALSE(UpstreamEndpoint("https://user:pw@host").has_value());
  EXPECT_EQ(KnownUpstreamRegistry("quay.io"), "quay");
  EXPECT_EQ(KnownUpstreamRegistry("x.azurecr.io"), "azure-container-registry");
  EXPECT_EQ(KnownUpstreamRegistry("123456789012.dkr.ecr.us-east-1.amazonaws.com"), "ecr");
  EXPECT_EQ(KnownUpstreamRegistry("127.0.0.1"), "");
  EXPECT_TRUE(NeedsCredentials("docker-hub"));
  EXPECT_FALSE(NeedsCredentials("quay"));
}

TEST(Rule, TheDocumentRoundTrips) {
  Rule r{.ecr_prefix = "hub", .upstream_url = "registry-1.docker.io", .upstream_registry = "docker-hub",
         .credential_arn = "arn:x", .upstream_prefix = "ROOT", .created_at = 5, .updated_at = 6};
  Rule back = *RuleFromJson("hub", ToJson(r));
  EXPECT_EQ(back.upstream_url, r.upstream_url);
  EXPECT_EQ(back.credential_arn, "arn:x");
  EXPECT_EQ(back.updated_at, 6);
  EXPECT_EQ(NormalizePrefix("hub//"), "hub");
}

}  // namespace
}  // namespace berth::cache
