#include "iam/state.h"

#include <gtest/gtest.h>

namespace berth::iam {
namespace {

TEST(IamState, RoundTripsThroughJson) {
  IamState s;
  s.users["alice"] = User{.name = "alice", .id = "AIDA1", .path = "/dev/", .created_at = 5,
                          .inline_policies = {{"p", "{\"Statement\":[]}"}}, .attached = {"arn:aws:iam::aws:policy/X"},
                          .groups = {"devs"},
                          .keys = {{.id = "AKIA1", .sealed_secret = "sealed", .active = false, .created_at = 6}}};
  s.groups["devs"] = Group{.name = "devs", .id = "AGPA1", .created_at = 7, .inline_policies = {}, .attached = {}};
  s.policies["mine"] = ManagedPolicy{.name = "mine", .id = "ANPA1", .description = "d", .document = "{}",
                                     .created_at = 8, .updated_at = 9};
  Result<IamState> back = FromJson(ToJson(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(ToJson(*back), ToJson(s));
  EXPECT_FALSE(back->users.at("alice").keys.front().active);
  EXPECT_EQ(back->users.at("alice").path, "/dev/");
}

TEST(IamState, EmptyDocumentIsTheEmptyState) {
  Result<IamState> s = FromJson("");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->users.empty());
  EXPECT_FALSE(FromJson("[1]"));
}

}  // namespace
}  // namespace berth::iam
