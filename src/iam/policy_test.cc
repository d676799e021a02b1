#include "iam/policy.h"

#include <gtest/gtest.h>

#include <map>

#include "base/wildcard.h"
#include "iam/conditions.h"
#include "iam/managed.h"

namespace berth::iam {
namespace {

constexpr std::string_view kAccount = "123456789012";
constexpr std::string_view kAlice = "arn:aws:iam::123456789012:user/alice";
constexpr std::string_view kRepo = "arn:aws:ecr:us-east-1:123456789012:repository/team/app";

struct Call {
  std::string action = "ecr:BatchGetImage";
  std::string resource = std::string(kRepo);
  std::string principal = std::string(kAlice);
  std::map<std::string, std::vector<std::string>> context;
};

// An Outcome whose sid is owned: Evaluate's views the policy, which Decide parses and drops.
struct Decided {
  Effect effect = Effect::kNone;
  PrincipalMatch principal = PrincipalMatch::kNone;
  std::string sid;
};

Decided Decide(std::string_view text, const Call& call, PolicyKind kind = PolicyKind::kIdentity) {
  Result<Policy> policy = ParsePolicy(text, kind);
  EXPECT_TRUE(policy) << (policy ? "" : policy.error().message());
  if (!policy) return {};
  ContextLookup lookup = [&call](std::string_view key) -> std::optional<std::vector<std::string>> {
    auto it = call.context.find(std::string(key));
    if (it == call.context.end()) return std::nullopt;
    return it->second;
  };
  EvalRequest r{.action = call.action, .resource = call.resource, .principal_arn = call.principal,
                .account_id = kAccount, .context = &lookup};
  const Outcome o = Evaluate(*policy, kind, r);
  return {o.effect, o.principal, std::string(o.sid)};
}

std::string Identity(std::string_view statement) {
  return R"({"Version":"2012-10-17","Statement":[)" + std::string(statement) + "]}";
}

TEST(Wildcard, MatchesAsIamDoes) {
  struct Case {
    std::string_view pattern, text;
    bool ignore_case, match;
  } cases[] = {
      {"*", "", false, true},
      {"ecr:*", "ecr:BatchGetImage", false, true},
      {"ecr:Batch*", "ecr:batchgetimage", true, true},
      {"ecr:Batch*", "ecr:batchgetimage", false, false},
      {"ecr:Get?ownloadUrlForLayer", "ecr:GetDownloadUrlForLayer", false, true},
      {"a*b*c", "aXXbYYc", false, true},
      {"a*b*c", "aXXbYY", false, false},
      {"arn:aws:ecr:*:*:repository/team/*", std::string_view(kRepo), false, true},
      {"arn:aws:ecr:*:*:repository/other/*", std::string_view(kRepo), false, false},
      {"*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(berth::WildcardMatch(c.pattern, c.text, {.question_mark = true, .ignore_case = c.ignore_case}), c.match) << c.pattern << " ~ " << c.text;
  }
}

TEST(ParsePolicy, RefusesWhatIamRefusesAndSaysWhere) {
  struct Case {
    std::string_view text;
    PolicyKind kind;
    std::string_view message_part;
  } cases[] = {
      {"not json", PolicyKind::kIdentity, "not valid JSON"},
      {"[]", PolicyKind::kIdentity, "JSON object"},
      {R"({"Version":"2012-10-17"})", PolicyKind::kIdentity, "no Statement"},
      {R"({"Version":"2013-01-01","Statement":[]})", PolicyKind::kIdentity, "Version"},
      {R"({"Statement":[{"Effect":"Permit","Action":"*","Resource":"*"}]})", PolicyKind::kIdentity,
       "Statement[0].Effect"},
      {R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Resource":"*"}]})",
       PolicyKind::kIdentity, "Statement[1] must have exactly one of Action and NotAction"},
      {R"({"Statement":{"Effect":"Allow","Action":"BatchGetImage","Resource":"*"}})", PolicyKind::kIdentity,
       "'service:Action'"},
      {R"({"Statement":{"Effect":"Allow","Action":"ecr:*"}})", PolicyKind::kIdentity, "no Resource"},
      {R"({"Statement":{"Effect":"Allow","Action":"ecr:*","Resource":"repo"}})", PolicyKind::kIdentity,
       "must be '*' or an ARN"},
      {R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"ecr:*","Resource":"*"}})",
       PolicyKind::kIdentity, "cannot name a Principal"},
      {R"({"Statement":{"Effect":"Allow","Action":"ecr:*"}})", PolicyKind::kResource, "no Principal"},
      {R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"ecr:*"}})", PolicyKind::kResource,
       "Statement.Principal.AWS"},
      {R"({"Statement":{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}})",
       PolicyKind::kIdentity, "unknown operator 'StringEqualz'"},
      {R"({"Statement":{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}})",
       PolicyKind::kIdentity, "Statement.Condition.IpAddress.aws:SourceIp: '10.0.0.0/33' is not an IP address"},
      {R"({"Statement":{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"NumericLessThan":{"x:n":"ten"}}}})",
       PolicyKind::kIdentity, "is not a number"},
      {R"({"Statement":[{"Sid":"a","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"a","Effect":"Deny","Action":"*","Resource":"*"}]})",
       PolicyKind::kIdentity, "Sid 'a'"},
      {R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Actions":"x"}})", PolicyKind::kIdentity,
       "unknown element 'Actions'"},
  };
  for (const Case& c : cases) {
    Result<Policy> p = ParsePolicy(c.text, c.kind);
    ASSERT_FALSE(p) << c.text;
    EXPECT_EQ(p.error().reason(), "MalformedPolicyDocument");
    EXPECT_NE(p.error().message().find(c.message_part), std::string::npos)
        << c.text << " -> " << p.error().message();
  }
}

TEST(Evaluate, ActionsAreCaseInsensitiveAndResourcesAreNot) {
  EXPECT_EQ(Decide(Identity(R"({"Effect":"Allow","Action":"ECR:batchgetimage","Resource":"*"})"), {}).effect,
            Effect::kAllow);
  EXPECT_EQ(Decide(Identity(R"({"Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:*:*:repository/TEAM/*"})"),
                {}).effect,
            Effect::kNone);
  EXPECT_EQ(Decide(Identity(R"({"Effect":"Allow","Action":"ecr:PutImage","Resource":"*"})"), {}).effect,
            Effect::kNone);
}

TEST(Evaluate, ExplicitDenyWinsWithinAPolicy) {
  std::string p = Identity(R"({"Effect":"Allow","Action":"ecr:*","Resource":"*"},
                              {"Sid":"NoDelete","Effect":"Deny","Action":"ecr:BatchDeleteImage","Resource":"*"})");
  EXPECT_EQ(Decide(p, {}).effect, Effect::kAllow);
  Call del;
  del.action = "ecr:BatchDeleteImage";
  Decided o = Decide(p, del);
  EXPECT_EQ(o.effect, Effect::kDeny);
  EXPECT_EQ(o.sid, "NoDelete");
}

TEST(Evaluate, NotActionAndNotResource) {
  // AWS's example: allow everything except IAM.
  std::string p = Identity(R"({"Effect":"Allow","NotAction":"iam:*","Resource":"*"})");
  EXPECT_EQ(Decide(p, {}).effect, Effect::kAllow);
  Call iam;
  iam.action = "iam:CreateUser";
  EXPECT_EQ(Decide(p, iam).effect, Effect::kNone);
  std::string q = Identity(R"({"Effect":"Deny","Action":"ecr:*","NotResource":"arn:aws:ecr:*:*:repository/team/*"})");
  EXPECT_EQ(Decide(q, {}).effect, Effect::kNone);
  Call other;
  other.resource = "arn:aws:ecr:us-east-1:123456789012:repository/other";
  EXPECT_EQ(Decide(q, other).effect, Effect::kDeny);
}

TEST(Evaluate, ResourcePoliciesApplyToThePrincipalsTheyName) {
  auto grant = [](std::string_view principal) {
    return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":)" + std::string(principal) +
           R"(,"Action":"ecr:BatchGetImage"}]})";
  };
  EXPECT_EQ(Decide(grant(R"({"AWS":"arn:aws:iam::123456789012:user/alice"})"), {}, PolicyKind::kResource).principal,
            PrincipalMatch::kDirect);
  EXPECT_EQ(Decide(grant(R"({"AWS":["arn:aws:iam::123456789012:user/bob"]})"), {}, PolicyKind::kResource).effect,
            Effect::kNone);
  // Naming the account delegates to its identity policies.
  EXPECT_EQ(Decide(grant(R"({"AWS":"123456789012"})"), {}, PolicyKind::kResource).principal, PrincipalMatch::kAccount);
  EXPECT_EQ(Decide(grant(R"({"AWS":"arn:aws:iam::123456789012:root"})"), {}, PolicyKind::kResource).principal,
            PrincipalMatch::kAccount);
  Call anonymous;
  anonymous.principal = "";
  EXPECT_EQ(Decide(grant(R"("*")"), anonymous, PolicyKind::kResource).principal, PrincipalMatch::kDirect);
  EXPECT_EQ(Decide(grant(R"({"AWS":"*"})"), anonymous, PolicyKind::kResource).effect, Effect::kAllow);
  EXPECT_EQ(Decide(grant(R"({"AWS":"123456789012"})"), anonymous, PolicyKind::kResource).effect, Effect::kNone);
  // NotPrincipal with Deny: everyone but the named user is refused.
  std::string only_alice = R"({"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"ecr:*"}]})";
  EXPECT_EQ(Decide(only_alice, {}, PolicyKind::kResource).effect, Effect::kNone);
  Call bob;
  bob.principal = "arn:aws:iam::123456789012:user/bob";
  EXPECT_EQ(Decide(only_alice, bob, PolicyKind::kResource).effect, Effect::kDeny);
}

struct ConditionCase {
  std::string_view condition;
  std::map<std::string, std::vector<std::string>> context;
  bool holds;
};

class Conditions : public ::testing::TestWithParam<ConditionCase> {};

TEST_P(Conditions, HoldAsAwsDocumentsThem) {
  const ConditionCase& c = GetParam();
  Call call;
  call.context = c.context;
  std::string p = Identity(R"({"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":)" +
                           std::string(c.condition) + "}");
  EXPECT_EQ(Decide(p, call).effect == Effect::kAllow, c.holds) << c.condition;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Conditions,
    ::testing::Values(
        ConditionCase{R"({"StringEquals":{"aws:username":"alice"}})", {{"aws:username", {"alice"}}}, true},
        ConditionCase{R"({"StringEquals":{"aws:username":["bob","alice"]}})", {{"aws:username", {"alice"}}}, true},
        ConditionCase{R"({"StringEquals":{"aws:username":"Alice"}})", {{"aws:username", {"alice"}}}, false},
        ConditionCase{R"({"StringEqualsIgnoreCase":{"aws:username":"Alice"}})", {{"aws:username", {"alice"}}}, true},
        ConditionCase{R"({"StringEquals":{"AWS:UserName":"alice"}})", {{"aws:username", {"alice"}}}, true},
        // A missing key matches nothing; a negated operator then holds.
        ConditionCase{R"({"StringEquals":{"ecr:imagetag":"v1"}})", {}, false},
        ConditionCase{R"({"StringNotEquals":{"ecr:imagetag":"v1"}})", {}, true},
        ConditionCase{R"({"StringNotEquals":{"ecr:imagetag":"v1"}})", {{"ecr:imagetag", {"v1"}}}, false},
        ConditionCase{R"({"StringLike":{"ecr:imagetag":"prod-*"}})", {{"ecr:imagetag", {"prod-1"}}}, true},
        ConditionCase{R"({"StringNotLike":{"ecr:imagetag":"prod-*"}})", {{"ecr:imagetag", {"prod-1"}}}, false},
        ConditionCase{R"({"StringLikeIfExists":{"ecr:imagetag":"prod-*"}})", {}, true},
        ConditionCase{R"({"StringLikeIfExists":{"ecr:imagetag":"prod-*"}})", {{"ecr:imagetag", {"dev"}}}, false},
        ConditionCase{R"({"StringEquals":{"aws:username":"${aws:username}"}})", {{"aws:username", {"alice"}}}, true},
        ConditionCase{R"({"IpAddress":{"aws:SourceIp":"10.1.0.0/16"}})", {{"aws:sourceip", {"10.1.2.3"}}}, true},
        ConditionCase{R"({"IpAddress":{"aws:SourceIp":["192.0.2.0/24","10.1.0.0/16"]}})",
                      {{"aws:sourceip", {"10.2.2.3"}}}, false},
        ConditionCase{R"({"NotIpAddress":{"aws:SourceIp":"10.1.0.0/16"}})", {{"aws:sourceip", {"10.2.2.3"}}}, true},
        ConditionCase{R"({"IpAddress":{"aws:SourceIp":"127.0.0.1"}})", {{"aws:sourceip", {"::ffff:127.0.0.1"}}}, true},
        ConditionCase{R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})", {{"aws:sourceip", {"2001:db8::5"}}}, true},
        ConditionCase{R"({"Bool":{"aws:SecureTransport":"true"}})", {{"aws:securetransport", {"false"}}}, false},
        ConditionCase{R"({"Bool":{"aws:SecureTransport":true}})", {{"aws:securetransport", {"true"}}}, true},
        ConditionCase{R"({"NumericLessThan":{"x:n":"10"}})", {{"x:n", {"9.5"}}}, true},
        ConditionCase{R"({"NumericGreaterThanEquals":{"x:n":"10"}})", {{"x:n", {"9"}}}, false},
        ConditionCase{R"({"NumericNotEquals":{"x:n":"10"}})", {{"x:n", {"11"}}}, true},
        ConditionCase{R"({"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}})",
                      {{"aws:currenttime", {"2026-12-01T05:00:00Z"}}}, true},
        ConditionCase{R"({"DateLessThan":{"aws:CurrentTime":"2026-12-01"}})",
                      {{"aws:currenttime", {"2026-12-01T05:00:00Z"}}}, false},
        ConditionCase{R"({"DateLessThan":{"aws:CurrentTime":"2026-12-01T07:00:00+01:00"}})",
                      {{"aws:currenttime", {"2026-12-01T05:59:59Z"}}}, true},
        ConditionCase{R"({"DateEquals":{"aws:EpochTime":"1764565200"}})", {{"aws:epochtime", {"1764565200"}}}, true},
        ConditionCase{R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/a*"}})",
                      {{"aws:principalarn", {std::string(kAlice)}}}, true},
        ConditionCase{R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/bob"}})",
                      {{"aws:principalarn", {std::string(kAlice)}}}, false},
        ConditionCase{R"({"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/b*"}})",
                      {{"aws:principalarn", {std::string(kAlice)}}}, true},
        ConditionCase{R"({"Null":{"aws:RequestTag/team":"true"}})", {}, true},
        ConditionCase{R"({"Null":{"aws:RequestTag/team":"false"}})", {}, false},
        ConditionCase{R"({"Null":{"aws:RequestTag/team":"false"}})", {{"aws:requesttag/team", {"a"}}}, true},
        ConditionCase{R"({"StringEquals":{"ecr:ResourceTag/team":"a"}})", {{"ecr:resourcetag/team", {"a"}}}, true},
        // Set qualifiers on a multivalued key (AWS's aws:TagKeys examples).
        ConditionCase{R"({"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}})",
                      {{"aws:tagkeys", {"team"}}}, true},
        ConditionCase{R"({"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}})",
                      {{"aws:tagkeys", {"team", "cost"}}}, false},
        ConditionCase{R"({"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}})", {}, true},
        ConditionCase{R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}})", {{"aws:tagkeys", {"a", "team"}}}, true},
        ConditionCase{R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}})", {}, false},
        ConditionCase{R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["team"]}})", {{"aws:tagkeys", {"team"}}}, false},
        // Several keys and several operators: all must hold.
        ConditionCase{R"({"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}})",
                      {{"aws:username", {"alice"}}, {"aws:securetransport", {"false"}}}, false}));

TEST(Evaluate, PolicyVariablesInResources) {
  std::string p = Identity(R"({"Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:*:*:repository/${aws:username}/*"})");
  Call own;
  own.resource = "arn:aws:ecr:us-east-1:123456789012:repository/alice/app";
  own.context = {{"aws:username", {"alice"}}};
  EXPECT_EQ(Decide(p, own).effect, Effect::kAllow);
  Call other = own;
  other.resource = "arn:aws:ecr:us-east-1:123456789012:repository/bob/app";
  EXPECT_EQ(Decide(p, other).effect, Effect::kNone);
  // Version 2008-10-17 has no variables: the text is literal.
  std::string old = R"({"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:*:*:repository/${aws:username}/*"}})";
  EXPECT_EQ(Decide(old, own).effect, Effect::kNone);
}

TEST(Dates, ParseIsoAndEpoch) {
  EXPECT_EQ(ParseDate("1970-01-02"), 86400.0);
  EXPECT_EQ(ParseDate("2026-12-01T00:00:00Z"), 1796083200.0);
  EXPECT_EQ(ParseDate("2026-12-01T01:00:00+01:00"), 1796083200.0);
  EXPECT_EQ(ParseDate("2026-12-01T00:00:00.123Z"), 1796083200.0);
  EXPECT_FALSE(ParseDate("2026-13-01"));
  EXPECT_FALSE(ParseDate("yesterday"));
}

TEST(ManagedPolicies, AreValidIdentityPolicies) {
  ASSERT_EQ(AwsManagedPolicies().size(), 4u);
  for (const AwsManagedPolicy& p : AwsManagedPolicies()) {
    EXPECT_TRUE(ParsePolicy(p.document, PolicyKind::kIdentity)) << p.name;
  }
}

}  // namespace
}  // namespace berth::iam
