#include "meta/creation_template.h"

#include <gtest/gtest.h>

namespace berth::meta {
namespace {

CreationTemplate Template(std::string prefix, std::string applied_for, std::string mutability = "MUTABLE") {
  return {.prefix = std::move(prefix),
          .document = R"({"appliedFor":[")" + applied_for + R"("],"imageTagMutability":")" + mutability + R"("})"};
}

TEST(CreationTemplate, TheLongestPrefixWhoseNamespaceHoldsTheRepositoryWinsThenRoot) {
  const std::vector<CreationTemplate> templates = {
      Template("ROOT", "CREATE_ON_PUSH"), Template("prod", "CREATE_ON_PUSH"), Template("prod/team", "CREATE_ON_PUSH"),
      Template("cache", "PULL_THROUGH_CACHE")};
  EXPECT_EQ(MatchCreationTemplate(templates, "prod/team/api", kCreateOnPush)->prefix, "prod/team");
  EXPECT_EQ(MatchCreationTemplate(templates, "prod/web", kCreateOnPush)->prefix, "prod");
  EXPECT_EQ(MatchCreationTemplate(templates, "production/web", kCreateOnPush)->prefix, "ROOT");  // not in prod/
  EXPECT_EQ(MatchCreationTemplate(templates, "prod", kCreateOnPush)->prefix, "ROOT");
  EXPECT_EQ(MatchCreationTemplate(templates, "cache/library/debian", kCreateOnPush)->prefix, "ROOT");
  EXPECT_EQ(MatchCreationTemplate(templates, "cache/library/debian", kPullThroughCache)->prefix, "cache");
  EXPECT_EQ(MatchCreationTemplate(templates, "other/x", kReplication), nullptr);
}

TEST(CreationTemplate, ItGivesTheRepositoryItsSettingsTagsAndPolicies) {
  CreationTemplate t{.prefix = "team",
                     .document = R"({"appliedFor":["CREATE_ON_PUSH"],"imageTagMutability":"IMMUTABLE_WITH_EXCLUSION",)"
                                 R"("imageTagMutabilityExclusionFilters":[{"filter":"dev-*","filterType":"WILDCARD"}],)"
                                 R"("encryptionConfiguration":{"encryptionType":"KMS","kmsKey":"arn:aws:kms:k"},)"
                                 R"("resourceTags":[{"Key":"team","Value":"a"}],"repositoryPolicy":"{\"Version\":\"2012-10-17\"}",)"
                                 R"("lifecyclePolicy":"{\"rules\":[]}"})"};
  TemplatedRepository r = *ApplyCreationTemplate(t, "team/app", 42);
  EXPECT_EQ(r.record.name, "team/app");
  EXPECT_EQ(r.record.created_at, 42);
  EXPECT_EQ(r.record.tag_mutability, "IMMUTABLE_WITH_EXCLUSION");
  EXPECT_EQ(r.record.mutability_filters, std::vector<std::string>{"dev-*"});
  EXPECT_EQ(r.record.encryption_type, "KMS");
  EXPECT_EQ(r.record.kms_key, "arn:aws:kms:k");
  EXPECT_EQ(r.tags, (ResourceTags{{"team", "a"}}));
  EXPECT_EQ(r.policy, R"({"Version":"2012-10-17"})");
  EXPECT_EQ(r.lifecycle_policy, R"({"rules":[]})");
  EXPECT_FALSE(ApplyCreationTemplate({.prefix = "x", .document = "{"}, "x/y", 1).has_value());
}

}  // namespace
}  // namespace berth::meta
