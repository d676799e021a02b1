#include "meta/tag_mutability.h"

#include <gtest/gtest.h>

#include "base/wildcard.h"

namespace berth::meta {
namespace {

// ECR's filters know only '*'.
bool Filter(std::string_view pattern, std::string_view tag) {
  return berth::WildcardMatch(pattern, tag, {.question_mark = false, .ignore_case = false});
}

TEST(Wildcard, MatchesLikeEcrFilters) {
  EXPECT_FALSE(Filter("v?", "v1"));
  EXPECT_TRUE(Filter("v?", "v?"));
  EXPECT_TRUE(Filter("latest", "latest"));
  EXPECT_FALSE(Filter("latest", "latest2"));
  EXPECT_TRUE(Filter("dev-*", "dev-123"));
  EXPECT_TRUE(Filter("*-rc*", "1.0-rc2"));
  EXPECT_TRUE(Filter("*", ""));
  EXPECT_FALSE(Filter("v*.0", "v1.1"));
  EXPECT_TRUE(Filter("a*b*c", "aXXbYYbc"));
}

TEST(TagMutability, AllFourModes) {
  std::vector<std::string> filters = {"latest", "dev-*"};
  EXPECT_FALSE(TagIsImmutable("MUTABLE", filters, "v1"));
  EXPECT_TRUE(TagIsImmutable("IMMUTABLE", filters, "latest"));
  EXPECT_FALSE(TagIsImmutable("IMMUTABLE_WITH_EXCLUSION", filters, "latest"));
  EXPECT_TRUE(TagIsImmutable("IMMUTABLE_WITH_EXCLUSION", filters, "v1"));
  EXPECT_TRUE(TagIsImmutable("MUTABLE_WITH_EXCLUSION", filters, "dev-7"));
  EXPECT_FALSE(TagIsImmutable("MUTABLE_WITH_EXCLUSION", filters, "v1"));
}

}  // namespace
}  // namespace berth::meta
