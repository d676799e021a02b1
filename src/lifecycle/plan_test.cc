#include "lifecycle/plan.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace berth::lifecycle {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1796083200;  // 2026-12-01

Policy Untagged(int64_t keep) {
  Result<Policy> p = ParsePolicy(
      R"({"rules":[{"rulePriority":1,"description":"keep the newest untagged images, expire the rest of them",)"
      R"("selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":)" +
      std::to_string(keep) + R"(},"action":{"type":"expire"}}]})");
  EXPECT_TRUE(p) << (p ? "" : p.error().message());
  return p ? *p : Policy{};
}

Node N(std::string digest, int64_t days_ago, std::vector<std::string> tags = {},
       std::optional<std::string> subject = std::nullopt) {
  return Node{.image = {.digest = std::move(digest), .tags = std::move(tags), .pushed_at = kNow - days_ago * kDay},
              .subject = std::move(subject)};
}

std::vector<std::string> Order(const std::vector<Node>& nodes, const std::vector<PlannedAction>& plan) {
  std::vector<std::string> out;
  for (const PlannedAction& a : plan) out.push_back(nodes[a.image].image.digest);
  return out;
}

TEST(Plan, ChildrenAndReferrersAreNotCountedOnTheirOwn) {
  // Two untagged single images and an untagged index with two children and a signature: only
  // the three roots meet the rule, so "keep 3 untagged" keeps everything.
  std::vector<Node> nodes = {N("one", 5), N("two", 4), N("index", 3), N("amd64", 3), N("arm64", 3),
                             N("sig", 2, {}, "index")};
  std::vector<std::pair<std::string, std::string>> edges = {{"index", "amd64"}, {"index", "arm64"}};
  EXPECT_TRUE(Plan(Untagged(3), nodes, edges, kNow).empty());
}

TEST(Plan, AnExpiredIndexTakesItsUntaggedChildrenAndReferrersAfterThem) {
  std::vector<Node> nodes = {N("amd64", 9), N("index", 9), N("arm64", 9, {"arm-only"}), N("sig", 8, {}, "index"),
                             N("sbom", 8, {}, "amd64"), N("new", 1)};
  std::vector<std::pair<std::string, std::string>> edges = {{"index", "amd64"}, {"index", "arm64"}};
  std::vector<PlannedAction> plan = Plan(Untagged(1), nodes, edges, kNow);
  // Referrers before their subjects, the index before its child; the tagged child stays.
  EXPECT_EQ(Order(nodes, plan), (std::vector<std::string>{"sbom", "sig", "index", "amd64"}));
  for (const PlannedAction& a : plan) {
    EXPECT_EQ(a.rule_priority, 1);
    EXPECT_EQ(a.follows, nodes[a.image].image.digest != "index");
  }
}

TEST(Plan, AChildSharedWithAKeptIndexStays) {
  std::vector<Node> nodes = {N("old-index", 9), N("new-index", 1), N("shared", 9), N("own", 9)};
  std::vector<std::pair<std::string, std::string>> edges = {
      {"old-index", "shared"}, {"old-index", "own"}, {"new-index", "shared"}};
  EXPECT_EQ(Order(nodes, Plan(Untagged(1), nodes, edges, kNow)), (std::vector<std::string>{"old-index", "own"}));
}

TEST(Plan, AnImageWithATaggedReferrerIsKept) {
  std::vector<Node> nodes = {N("old", 9), N("attestation", 8, {"att-v1"}, "old"), N("new", 1)};
  EXPECT_TRUE(Plan(Untagged(1), nodes, {}, kNow).empty());
}

TEST(Plan, AReferrerWhoseSubjectIsGoneStandsOnItsOwn) {
  std::vector<Node> nodes = {N("orphan-sig", 9, {}, "sha256:gone"), N("new", 1)};
  EXPECT_EQ(Order(nodes, Plan(Untagged(1), nodes, {}, kNow)), std::vector<std::string>{"orphan-sig"});
}

}  // namespace
}  // namespace berth::lifecycle
