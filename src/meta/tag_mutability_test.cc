#include "meta/tag_mutability.h"

#include <gtest/gtest.h>

namespace berth::meta {
namespace {

TEST(Wildcard, MatchesLikeEcrFilters) {
  EXPECT_TRUE(WildcardMatch("latest", "latest"));
  EXPECT_FALSE(WildcardMatch("latest", "latest2"));
  EXPECT_TRUE(WildcardMatch("dev-*", "dev-123"));
  EXPECT_TRUE(WildcardMatch("*-rc*", "1.0-rc2"));
  EXPECT_TRUE(WildcardMatch("*", ""));
  EXPECT_FALSE(WildcardMatch("v*.0", "v1.1"));
  EXPECT_TRUE(WildcardMatch("a*b*c", "aXXbYYbc"));
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
