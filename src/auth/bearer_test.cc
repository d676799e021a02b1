#include "auth/bearer.h"

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace berth::auth {
namespace {

TEST(Scopes, ParseAsDistributionWritesThem) {
  Result<std::vector<Grant>> g = ParseScopes({"repository:team/app:pull,push", "registry:catalog:*",
                                              "repository:host:5000/x:pull repository:y:delete"});
  ASSERT_TRUE(g);
  ASSERT_EQ(g->size(), 4u);
  EXPECT_EQ((*g)[0], (Grant{.type = "repository", .name = "team/app", .actions = {"pull", "push"}}));
  EXPECT_EQ((*g)[1], (Grant{.type = "registry", .name = "catalog", .actions = {"*"}}));
  EXPECT_EQ((*g)[2].name, "host:5000/x");
  EXPECT_EQ((*g)[3].actions, std::vector<std::string>{"delete"});
  EXPECT_EQ(ScopeString((*g)[0]), "repository:team/app:pull,push");
  EXPECT_FALSE(ParseScopes({"repository:team/app"}));
  EXPECT_FALSE(ParseScopes({"blob:x:pull"}));
  EXPECT_TRUE(Covers(*g, "repository", "team/app", "push"));
  EXPECT_FALSE(Covers(*g, "repository", "team/app", "delete"));
  EXPECT_TRUE(Covers(*g, "registry", "catalog", "anything"));
  EXPECT_FALSE(Covers(*g, "repository", "team/other", "pull"));
}

TEST(BearerTokens, VerifyOnlyWhatWasIssuedForThisServiceAndTime) {
  const std::string key(32, 'k');
  BearerClaims c{.subject = "AKIA1", .audience = "reg:5000",
                 .access = {{.type = "repository", .name = "a", .actions = {"pull"}}}, .issued_at = 100,
                 .expires_at = 400};
  const std::string token = IssueBearer(key, c);
  Result<BearerClaims> ok = VerifyBearer(key, token, "reg:5000", 399);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->subject, "AKIA1");
  EXPECT_EQ(ok->access, c.access);
  EXPECT_FALSE(VerifyBearer(key, token, "reg:5000", 400));          // expired
  EXPECT_FALSE(VerifyBearer(key, token, "other:5000", 200));        // another service
  EXPECT_FALSE(VerifyBearer(std::string(32, 'x'), token, "reg:5000", 200));  // another key
  // A token whose claims were edited (more access) fails its signature.
  size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  std::string payload = *crypto::Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  payload.replace(payload.find("\"pull\""), 6, "\"push\"");
  std::string forged = token.substr(0, dot1 + 1) + crypto::Base64UrlEncode(payload) + token.substr(dot2);
  EXPECT_FALSE(VerifyBearer(key, forged, "reg:5000", 200));
  EXPECT_FALSE(VerifyBearer(key, "a.b", "reg:5000", 200));
  EXPECT_EQ(BearerChallenge("http://h/v2/token", "h", "repository:a:pull", "insufficient_scope"),
            "Bearer realm=\"http://h/v2/token\",service=\"h\",scope=\"repository:a:pull\",error=\"insufficient_scope\"");
}

}  // namespace
}  // namespace berth::auth
