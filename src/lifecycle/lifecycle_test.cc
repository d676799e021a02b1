#include <gtest/gtest.h>

#include <algorithm>

#include "lifecycle/evaluate.h"
#include "lifecycle/policy.h"

namespace berth::lifecycle {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1796083200;  // 2026-12-01

// A policy text from rules; padded past ECR's 100-character minimum with a description.
std::string Text(const std::string& rules) { return R"({"rules":[)" + rules + "]}"; }

std::string RuleJson(int priority, const std::string& selection, const std::string& action = R"({"type":"expire"})") {
  return R"({"rulePriority":)" + std::to_string(priority) + R"(,"description":"a rule for the tests of lifecycle policies","selection":)" +
         selection + R"(,"action":)" + action + "}";
}

Policy Parse(const std::string& rules) {
  Result<Policy> p = ParsePolicy(Text(rules));
  EXPECT_TRUE(p) << (p ? "" : p.error().message());
  return p ? *p : Policy{};
}

std::vector<std::string> Acted(const Policy& p, const std::vector<Image>& images, int64_t now = kNow) {
  std::vector<std::string> out;
  for (const Decision& d : Evaluate(p, images, now)) out.push_back(images[d.image].digest);
  std::sort(out.begin(), out.end());
  return out;
}

Image Img(std::string digest, std::vector<std::string> tags, int64_t days_ago) {
  return Image{.digest = std::move(digest), .tags = std::move(tags), .pushed_at = kNow - days_ago * kDay};
}

// The ECR user guide's worked example: A [beta-1, prod-1] pushed 10 days ago, B [beta-2, prod-2] 9,
// C [beta-3] 8.
const std::vector<Image> kGuideImages = {Img("A", {"beta-1", "prod-1"}, 10), Img("B", {"beta-2", "prod-2"}, 9),
                                         Img("C", {"beta-3"}, 8)};

TEST(Evaluate, GuideExampleAProdFirstProtectsB) {
  Policy p = Parse(RuleJson(1, R"({"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":1})") +
                   "," +
                   RuleJson(2, R"({"tagStatus":"tagged","tagPrefixList":["beta"],"countType":"imageCountMoreThan","countNumber":1})"));
  EXPECT_EQ(Acted(p, kGuideImages), std::vector<std::string>{"A"});
}

TEST(Evaluate, GuideExampleBBetaFirstTakesAAndB) {
  Policy p = Parse(RuleJson(1, R"({"tagStatus":"tagged","tagPrefixList":["beta"],"countType":"imageCountMoreThan","countNumber":1})") +
                   "," +
                   RuleJson(2, R"({"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":1})"));
  std::vector<Decision> d = Evaluate(p, kGuideImages, kNow);
  EXPECT_EQ(Acted(p, kGuideImages), (std::vector<std::string>{"A", "B"}));
  for (const Decision& x : d) EXPECT_EQ(x.rule_priority, 1);
}

TEST(Evaluate, AProtectingRuleKeepsWhatACatchAllWouldTake) {
  // Keep prod images (a large count never selects them); everything else beyond the newest goes.
  Policy p = Parse(RuleJson(1, R"({"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":9999})") +
                   "," + RuleJson(2, R"({"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1})"));
  EXPECT_EQ(Acted(p, kGuideImages), std::vector<std::string>{});  // A and B are prod, C is the newest
  std::vector<Image> more = kGuideImages;
  more.push_back(Img("D", {"dev"}, 20));
  more.push_back(Img("E", {}, 30));
  // The any rule counts A and B in its window (they are the newest after C) but may not take them.
  EXPECT_EQ(Acted(p, more), (std::vector<std::string>{"D", "E"}));
}

TEST(Evaluate, TagListsAreAnAnd) {
  std::vector<Image> images = {Img("A", {"alpha-1"}, 5), Img("B", {"beta-1"}, 4), Img("C", {"alpha-2", "beta-2"}, 3),
                               Img("D", {"alpha-3", "beta-3"}, 2)};
  Policy p = Parse(RuleJson(1, R"({"tagStatus":"tagged","tagPatternList":["alpha*","beta*"],"countType":"imageCountMoreThan","countNumber":1})"));
  EXPECT_EQ(Acted(p, images), std::vector<std::string>{"C"});
  Policy q = Parse(RuleJson(1, R"({"tagStatus":"tagged","tagPatternList":["*-3"],"countType":"sinceImagePushed","countUnit":"days","countNumber":1})"));
  EXPECT_EQ(Acted(q, images), std::vector<std::string>{"D"});
}

TEST(Evaluate, UntaggedByAgeAndCount) {
  std::vector<Image> images = {Img("old", {}, 30), Img("new", {}, 1), Img("mid", {}, 15), Img("tagged", {"v1"}, 40)};
  Policy age = Parse(RuleJson(1, R"({"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14})"));
  EXPECT_EQ(Acted(age, images), (std::vector<std::string>{"mid", "old"}));
  Policy count = Parse(RuleJson(1, R"({"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1})"));
  EXPECT_EQ(Acted(count, images), (std::vector<std::string>{"mid", "old"}));
  // Exactly the age is not older than it.
  std::vector<Image> edge = {Img("x", {}, 14)};
  EXPECT_TRUE(Acted(age, edge).empty());
}

TEST(Evaluate, ArchiveByLastPullThenExpireAfterTransition) {
  Policy p = Parse(RuleJson(1, R"({"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":90})",
                            R"({"type":"transition","targetStorageClass":"archive"})") +
                   "," +
                   RuleJson(2, R"({"tagStatus":"any","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":365})"));
  Image pulled = Img("pulled", {"a"}, 400);
  pulled.last_pulled_at = kNow - 10 * kDay;
  Image idle = Img("idle", {"b"}, 400);
  idle.last_pulled_at = kNow - 100 * kDay;
  Image never = Img("never", {}, 91);
  Image restored = Img("restored", {}, 400);
  restored.activated_at = kNow - 5 * kDay;  // back from the archive: its age starts again
  Image archived_long = Img("archived-long", {}, 900);
  archived_long.storage = StorageClass::kArchive;
  archived_long.archived_at = kNow - 400 * kDay;
  Image archived_recent = Img("archived-recent", {}, 900);
  archived_recent.storage = StorageClass::kArchive;
  archived_recent.archived_at = kNow - 100 * kDay;
  std::vector<Image> images = {pulled, idle, never, restored, archived_long, archived_recent};
  std::vector<Decision> d = Evaluate(p, images, kNow);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(images[d[0].image].digest, "idle");
  EXPECT_EQ(d[0].action, ActionType::kTransition);
  EXPECT_EQ(images[d[1].image].digest, "never");
  EXPECT_EQ(images[d[2].image].digest, "archived-long");
  EXPECT_EQ(d[2].action, ActionType::kExpire);
}

TEST(Evaluate, BeyondEcrExpireByLastPull) {
  Policy p = Parse(RuleJson(1, R"({"tagStatus":"tagged","tagPatternList":["*"],"countType":"sinceImagePulled","countUnit":"days","countNumber":30})"));
  Image stale = Img("stale", {"v1"}, 60);
  stale.last_pulled_at = kNow - 45 * kDay;
  Image fresh = Img("fresh", {"v2"}, 60);
  fresh.last_pulled_at = kNow - 2 * kDay;
  EXPECT_EQ(Acted(p, {stale, fresh}), std::vector<std::string>{"stale"});
}

TEST(ParsePolicy, RefusesWhatEcrRefusesNamingRuleAndField) {
  struct Case {
    std::string rules;
    std::string message_part;
  } cases[] = {
      {RuleJson(1, R"({"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1})") + "," +
           RuleJson(2, R"({"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1})"),
       "rulePriority 1: a rule with tagStatus any must have the highest rulePriority"},
      {RuleJson(3, R"({"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1})") + "," +
           RuleJson(3, R"({"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":1})"),
       "rulePriority 3 is used by more than one rule"},
      {RuleJson(1, R"({"tagStatus":"untagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":1})"),
       "rule 1 (rulePriority 1): selection.tagPrefixList is not allowed with tagStatus untagged"},
      {RuleJson(1, R"({"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1})"),
       "needs exactly one of selection.tagPrefixList and selection.tagPatternList"},
      {RuleJson(1, R"({"tagStatus":"tagged","tagPrefixList":["a"],"tagPatternList":["b"],"countType":"imageCountMoreThan","countNumber":1})"),
       "needs exactly one"},
      {RuleJson(1, R"({"tagStatus":"tagged","tagPatternList":["a*b*c*d*e*f"],"countType":"imageCountMoreThan","countNumber":1})"),
       "more than 4 wildcards"},
      {RuleJson(1, R"({"tagStatus":"untagged","countType":"imageCountMoreThan","countUnit":"days","countNumber":1})"),
       "countUnit is not allowed with countType imageCountMoreThan"},
      {RuleJson(1, R"({"tagStatus":"untagged","countType":"sinceImagePushed","countNumber":1})"),
       "selection.countUnit must be \"days\""},
      {RuleJson(1, R"({"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":0})"),
       "countNumber is required, a positive integer"},
      {RuleJson(1, R"({"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1})", R"({"type":"transition"})"),
       "targetStorageClass must be \"archive\""},
      {RuleJson(1, R"({"tagStatus":"untagged","countType":"sinceImageTransitioned","countUnit":"days","countNumber":1})"),
       "needs selection.storageClass \"archive\""},
      {RuleJson(1, R"({"tagStatus":"sometimes","countType":"imageCountMoreThan","countNumber":1})"),
       "selection: tagStatus must be one of tagged, untagged, any"},
      {RuleJson(1, R"({"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1})") + "," +
           RuleJson(2, R"({"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1})"),
       "only one rule per storage class may select untagged images"},
      {RuleJson(1, R"({"tagStatus":"tagged","tagPrefixList":["a","b"],"countType":"imageCountMoreThan","countNumber":1})") + "," +
           RuleJson(2, R"({"tagStatus":"tagged","tagPrefixList":["b","a"],"countType":"imageCountMoreThan","countNumber":5})"),
       "selects the same tags"},
      {RuleJson(1, R"({"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1,"colour":"red"})"),
       "unknown field selection.colour"},
  };
  for (const Case& c : cases) {
    Result<Policy> p = ParsePolicy(Text(c.rules));
    ASSERT_FALSE(p) << c.rules;
    EXPECT_EQ(p.error().reason(), "InvalidParameterException");
    EXPECT_NE(p.error().message().find(c.message_part), std::string::npos) << p.error().message();
  }
  EXPECT_FALSE(ParsePolicy(R"({"rules":[]})"));  // too short, and no rules
  EXPECT_FALSE(ParsePolicy(std::string(40000, ' ')));
  // Two "any" rules, one per storage class, as AWS's own examples have.
  EXPECT_TRUE(ParsePolicy(Text(
      RuleJson(1, R"({"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":90})",
               R"({"type":"transition","targetStorageClass":"archive"})") +
      "," +
      RuleJson(2, R"({"tagStatus":"any","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":365})"))));
}

}  // namespace
}  // namespace berth::lifecycle
