#include "auth/authorizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/random.h"
#include "meta/sqlite/sqlite_store.h"

namespace berth::auth {
namespace {

constexpr std::string_view kAccount = "123456789012";
const std::string kRepoArn = "arn:aws:ecr:us-east-1:123456789012:repository/team/app";

std::string Basic(std::string_view user, std::string_view pass) {
  return "Basic " + crypto::Base64Encode(std::string(user) + ":" + std::string(pass));
}

std::string Allow(std::string_view actions, std::string_view resource = "*") {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)" + std::string(actions) +
         R"(,"Resource":")" + std::string(resource) + R"("}]})";
}

// Users, keys and policies in a real store, as the IAM API leaves them.
class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("berth-authz-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = *meta::sqlite::OpenSqliteStore((dir_ / "m.db").string());
    directory_ = std::make_unique<iam::Directory>(*store_, std::string(kAccount));
    auth_ = *Authenticator::Create(*store_, keyring_, false, directory_.get(), std::string(kAccount));
    ASSERT_TRUE(directory_->Update([&](iam::IamState& s) {
      s.groups["readers"] = iam::Group{.name = "readers", .id = "AGPAREAD",
                                       .attached = {"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"}};
      s.users["alice"] = iam::User{.name = "alice", .id = "AIDAALICE", .path = "/",
                                   .inline_policies = {{"push", Allow(R"(["ecr:PutImage","ecr:InitiateLayerUpload"])",
                                                                      "arn:aws:ecr:*:*:repository/team/*")},
                                                       {"no-prod", R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ecr:PutImage","Resource":"*","Condition":{"StringLike":{"ecr:ImageTag":"prod-*"}}}]})"}},
                                   .groups = {"readers"},
                                   .keys = {{.id = "AKIAALICE", .sealed_secret = keyring_.SealSecret("AKIAALICE", "alice-secret")}}};
      s.users["bob"] = iam::User{.name = "bob", .id = "AIDABOB", .path = "/",
                                 .keys = {{.id = "AKIABOB", .sealed_secret = keyring_.SealSecret("AKIABOB", "bob-secret")}}};
      return Status{};
    }));
    authz_ = std::make_unique<Authorizer>(directory_.get(), std::string(kAccount));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  bool Allowed(const Principal& who, std::string_view action, const meta::RepositoryAccess* repo = nullptr,
               std::vector<std::pair<std::string, std::vector<std::string>>> keys = {}) {
    AccessRequest r{.action = action, .resource = kRepoArn, .repository = repo, .keys = std::move(keys)};
    Result<Decision> d = authz_->Check(who, r, RequestOrigin{.source_ip = "127.0.0.1", .secure = false, .now = 1000});
    EXPECT_TRUE(d);
    return d && d->allowed;
  }

  std::filesystem::path dir_;
  std::unique_ptr<meta::MetadataStore> store_;
  KeyRing keyring_ = KeyRing::FromMaster(std::string(32, 'k'));
  std::unique_ptr<iam::Directory> directory_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<Authorizer> authz_;
};

TEST_F(AccessTest, UsersAuthenticateWithTheirOwnKeysAndLoseThemAtOnce) {
  Result<Principal> alice = auth_->Authenticate(Basic("AKIAALICE", "alice-secret"), 10);
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->kind, Principal::Kind::kUser);
  EXPECT_EQ(alice->arn, "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(alice->user_id, "AIDAALICE");
  EXPECT_FALSE(auth_->Authenticate(Basic("AKIAALICE", "bob-secret"), 10));
  EXPECT_EQ(auth_->Credentials("AKIABOB")->secret, "bob-secret");
  const std::string token = auth_->IssueToken(*alice, 5000);
  ASSERT_TRUE(auth_->Authenticate(Basic("AWS", token), 10));
  // Inactive: the key and its tokens stop working; active again, both work again.
  ASSERT_TRUE(directory_->Update([](iam::IamState& s) {
    s.users["alice"].keys[0].active = false;
    return Status{};
  }));
  EXPECT_FALSE(auth_->Authenticate(Basic("AKIAALICE", "alice-secret"), 10));
  EXPECT_FALSE(auth_->Authenticate(Basic("AWS", token), 10));
  EXPECT_FALSE(auth_->Credentials("AKIAALICE"));
  ASSERT_TRUE(directory_->Update([](iam::IamState& s) {
    s.users["alice"].keys[0].active = true;
    return Status{};
  }));
  EXPECT_TRUE(auth_->Authenticate(Basic("AWS", token), 10));
  // Deleted: gone for good.
  ASSERT_TRUE(directory_->Update([](iam::IamState& s) {
    s.users.erase("alice");
    return Status{};
  }));
  EXPECT_FALSE(auth_->Authenticate(Basic("AWS", token), 10));
  EXPECT_FALSE(auth_->Authenticate(Basic("AKIAALICE", "alice-secret"), 10));
}

TEST_F(AccessTest, IdentityPoliciesFromUserGroupAndManagedPolicies) {
  Principal alice = *auth_->PrincipalFor("AKIAALICE");
  Principal bob = *auth_->PrincipalFor("AKIABOB");
  EXPECT_TRUE(Allowed(alice, "ecr:BatchGetImage"));  // the group's managed ReadOnly policy
  EXPECT_TRUE(Allowed(alice, "ecr:PutImage"));       // her inline policy
  EXPECT_FALSE(Allowed(alice, "ecr:DeleteRepository"));
  EXPECT_FALSE(Allowed(bob, "ecr:BatchGetImage"));   // nothing allows: implicit deny
  // Explicit deny wins over her allow, for prod-* tags only.
  EXPECT_FALSE(Allowed(alice, "ecr:PutImage", nullptr, {{"ecr:imagetag", {"prod-1"}}}));
  EXPECT_TRUE(Allowed(alice, "ecr:PutImage", nullptr, {{"ecr:imagetag", {"dev-1"}}}));
  AccessRequest r{.action = "ecr:DeleteRepository", .resource = kRepoArn, .repository = nullptr, .keys = {}};
  Decision d = *authz_->Check(bob, r, {});
  EXPECT_EQ(d.message,
            "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: ecr:DeleteRepository on resource: " +
                kRepoArn + " because no identity-based policy allows the ecr:DeleteRepository action");
}

TEST_F(AccessTest, RepositoryPoliciesAllowOnTheirOwnAndDenyOverEverything) {
  Principal alice = *auth_->PrincipalFor("AKIAALICE");
  Principal bob = *auth_->PrincipalFor("AKIABOB");
  meta::RepositoryAccess grant_bob{
      .policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":["ecr:BatchGetImage"]}]})",
      .tags = {}};
  EXPECT_TRUE(Allowed(bob, "ecr:BatchGetImage", &grant_bob));
  EXPECT_FALSE(Allowed(bob, "ecr:PutImage", &grant_bob));
  meta::RepositoryAccess account_only{
      .policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"ecr:*"}]})",
      .tags = {}};
  EXPECT_FALSE(Allowed(bob, "ecr:BatchGetImage", &account_only));  // delegates to bob's (empty) policies
  meta::RepositoryAccess deny_alice{
      .policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"ecr:BatchGetImage"}]})",
      .tags = {}};
  EXPECT_FALSE(Allowed(alice, "ecr:BatchGetImage", &deny_alice));
  // Tag conditions read the repository's tags.
  meta::RepositoryAccess tagged{.policy = "", .tags = {{"Team", "red"}}};
  ASSERT_TRUE(directory_->Update([](iam::IamState& s) {
    s.users["bob"].inline_policies["red"] =
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"StringEquals":{"ecr:ResourceTag/Team":"red"}}}]})";
    return Status{};
  }));
  EXPECT_TRUE(Allowed(bob, "ecr:PutImage", &tagged));
  EXPECT_FALSE(Allowed(bob, "ecr:PutImage", nullptr));
}

TEST(Credentials, AnEmptyBasicAnswerIsNoCredentials) {
  EXPECT_FALSE(Authenticator::HasCredentials(std::nullopt));
  EXPECT_FALSE(Authenticator::HasCredentials("Basic Og=="));  // ":" from a client with nothing to send
  EXPECT_TRUE(Authenticator::HasCredentials(Basic("AK", "")));
  EXPECT_TRUE(Authenticator::HasCredentials("Bearer abc"));
}

TEST_F(AccessTest, APublicRepositoryLetsAnyonePullAndNothingMore) {
  Principal nobody = auth_->Anonymous();
  EXPECT_EQ(nobody.kind, Principal::Kind::kAnonymous);
  meta::RepositoryAccess open{
      .policy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:PutImage"]}]})",
      .tags = {}};
  EXPECT_TRUE(Allowed(nobody, "ecr:BatchGetImage", &open));
  EXPECT_TRUE(Allowed(nobody, "ecr:GetDownloadUrlForLayer", &open));
  EXPECT_FALSE(Allowed(nobody, "ecr:PutImage", &open));  // never anonymous, whatever the policy says
  EXPECT_FALSE(Allowed(nobody, "ecr:BatchGetImage", nullptr));
  // The root is never denied.
  meta::RepositoryAccess deny_all{
      .policy = R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"ecr:*"}]})", .tags = {}};
  Principal root{.kind = Principal::Kind::kRoot, .name = "admin", .access_key_id = "AK", .arn = "arn:aws:iam::123456789012:root", .user_id = "123456789012"};
  EXPECT_TRUE(Allowed(root, "ecr:DeleteRepository", &deny_all));
}

}  // namespace
}  // namespace berth::auth
