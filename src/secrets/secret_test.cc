#include "secrets/secret.h"

#include <gtest/gtest.h>

namespace berth::secrets {
namespace {

SecretVersion V(std::string id, std::vector<std::string> stages = {}) {
  return {.id = std::move(id), .stages = std::move(stages), .sealed_value = "box"};
}

std::vector<std::string> StagesOf(const Secret& s, std::string_view id) { return s.Version(id)->stages; }

TEST(Secret, ANewCurrentVersionMakesTheOldOnePrevious) {
  Secret s;
  ASSERT_TRUE(AddVersion(s, V("v1")).has_value());
  EXPECT_EQ(StagesOf(s, "v1"), std::vector<std::string>{"AWSCURRENT"});
  ASSERT_TRUE(AddVersion(s, V("v2")).has_value());
  EXPECT_EQ(StagesOf(s, "v2"), std::vector<std::string>{"AWSCURRENT"});
  EXPECT_EQ(StagesOf(s, "v1"), std::vector<std::string>{"AWSPREVIOUS"});
  ASSERT_TRUE(AddVersion(s, V("v3")).has_value());
  EXPECT_TRUE(StagesOf(s, "v1").empty());
  EXPECT_EQ(StagesOf(s, "v2"), std::vector<std::string>{"AWSPREVIOUS"});
  EXPECT_EQ(s.Staged("AWSCURRENT")->id, "v3");
}

TEST(Secret, OtherLabelsMoveWithoutTouchingTheCurrentVersion) {
  Secret s;
  ASSERT_TRUE(AddVersion(s, V("v1")).has_value());
  ASSERT_TRUE(AddVersion(s, V("v2", {"AWSPENDING"})).has_value());
  EXPECT_EQ(s.Staged("AWSCURRENT")->id, "v1");
  EXPECT_EQ(s.Staged("AWSPREVIOUS"), nullptr);
  ASSERT_TRUE(AddVersion(s, V("v3", {"AWSPENDING"})).has_value());
  EXPECT_TRUE(StagesOf(s, "v2").empty());
  EXPECT_EQ(s.Staged("AWSPENDING")->id, "v3");
}

TEST(Secret, AVersionIdIsUsedOnceAndUnlabelledVersionsAreBounded) {
  Secret s;
  ASSERT_TRUE(AddVersion(s, V("v1")).has_value());
  Status again = AddVersion(s, V("v1"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().reason(), "ResourceExistsException");
  for (int i = 2; i < 20; ++i) ASSERT_TRUE(AddVersion(s, V("v" + std::to_string(i))).has_value());
  // Current, previous and the newest unlabelled ones.
  EXPECT_EQ(s.versions.size(), 2 + kMaxUnlabelledVersions);
  EXPECT_EQ(s.Version("v1"), nullptr);
  EXPECT_NE(s.Version("v17"), nullptr);
}

TEST(Secret, NamesAndIdentifiers) {
  EXPECT_TRUE(ValidateName("ecr-pullthroughcache/hub_creds+x=y.z@w").has_value());
  EXPECT_FALSE(ValidateName("").has_value());
  EXPECT_FALSE(ValidateName("a b").has_value());
  EXPECT_FALSE(ValidateName(std::string(513, 'a')).has_value());
  const std::string arn = NewArn("us-east-1", "123456789012", "team/creds", "AbC123");
  EXPECT_EQ(arn, "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/creds-AbC123");
  EXPECT_EQ(NameFromId(arn, "us-east-1", "123456789012"), "team/creds");
  EXPECT_EQ(NameFromId("arn:aws:secretsmanager:us-east-1:123456789012:secret:team/creds", "us-east-1", "123456789012"),
            "team/creds");
  EXPECT_EQ(NameFromId("team/creds", "us-east-1", "123456789012"), "team/creds");
  EXPECT_EQ(NameFromId("arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbC123", "us-east-1", "123456789012"),
            std::nullopt);
  Secret s{.name = "team/creds", .arn = arn};
  EXPECT_TRUE(ArnMatches(s, arn));
  EXPECT_TRUE(ArnMatches(s, "team/creds"));
  EXPECT_TRUE(ArnMatches(s, "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/creds"));
  // A deleted and recreated secret has another suffix: the old ARN does not reach it.
  EXPECT_FALSE(ArnMatches(s, "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/creds-Old999"));
}

TEST(Secret, TheDocumentRoundTrips) {
  Secret s{.name = "n", .arn = "arn", .description = "d", .kms_key_id = "k", .tags = {{"a", "b"}}, .created_at = 1,
           .last_changed_at = 2, .last_accessed_at = 3, .deleted_at = 4, .deletion_at = 5};
  ASSERT_TRUE(AddVersion(s, V("v1")).has_value());
  s.versions[0].binary = true;
  Secret back = *FromJson("n", ToJson(s));
  EXPECT_EQ(back.arn, "arn");
  EXPECT_EQ(back.description, "d");
  EXPECT_EQ(back.tags, s.tags);
  EXPECT_EQ(back.deletion_at, 5);
  ASSERT_EQ(back.versions.size(), 1u);
  EXPECT_TRUE(back.versions[0].binary);
  EXPECT_EQ(back.versions[0].stages, std::vector<std::string>{"AWSCURRENT"});
  EXPECT_FALSE(FromJson("n", "[").has_value());
}

TEST(Secret, TagsMergeAndAreBounded) {
  std::vector<std::pair<std::string, std::string>> tags{{"a", "1"}};
  ASSERT_TRUE(MergeTags(tags, {{"a", "2"}, {"b", "3"}}).has_value());
  EXPECT_EQ(tags, (std::vector<std::pair<std::string, std::string>>{{"a", "2"}, {"b", "3"}}));
  EXPECT_FALSE(MergeTags(tags, {{"aws:x", "1"}}).has_value());
  std::vector<std::pair<std::string, std::string>> many;
  for (size_t i = 0; i < kMaxTags + 1; ++i) many.emplace_back("k" + std::to_string(i), "v");
  EXPECT_FALSE(MergeTags(tags, many).has_value());
  EXPECT_EQ(tags.size(), 2u);
}

}  // namespace
}  // namespace berth::secrets
