#include "auth/authenticator.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/random.h"
#include "meta/sqlite/sqlite_store.h"

namespace berth::auth {
namespace {

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("berth-auth-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = *meta::sqlite::OpenSqliteStore((dir_ / "m.db").string());
    unsetenv("BERTH_ADMIN_ACCESS_KEY_ID");
    unsetenv("BERTH_ADMIN_SECRET_ACCESS_KEY");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::unique_ptr<meta::MetadataStore> store_;
  KeyRing keyring_ = KeyRing::FromMaster(std::string(32, 'k'));
};

std::string Basic(std::string_view user, std::string_view pass) {
  return "Basic " + crypto::Base64Encode(std::string(user) + ":" + std::string(pass));
}

TEST_F(AuthTest, BootstrapWritesAPrivateCredentialsFileOnce) {
  BootstrapResult first = *BootstrapAdmin(*store_, keyring_, dir_.string(), 1);
  EXPECT_TRUE(first.created);
  struct stat st {};
  ASSERT_EQ(::stat(first.credentials_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::stringstream text;
  text << std::ifstream(first.credentials_file).rdbuf();
  EXPECT_NE(text.str().find("[berth]\naws_access_key_id = " + first.access_key_id), std::string::npos);
  BootstrapResult second = *BootstrapAdmin(*store_, keyring_, dir_.string(), 2);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.access_key_id, first.access_key_id);
}

TEST_F(AuthTest, BasicAuthAcceptsOnlyTheRightSecret) {
  setenv("BERTH_ADMIN_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  setenv("BERTH_ADMIN_SECRET_ACCESS_KEY", "s3cret", 1);
  BootstrapResult boot = *BootstrapAdmin(*store_, keyring_, dir_.string(), 1);
  EXPECT_TRUE(boot.credentials_file.empty());
  std::unique_ptr<Authenticator> auth = *Authenticator::Create(*store_, keyring_, false);
  Result<Principal> ok = auth->Authenticate(Basic("AKIDEXAMPLE", "s3cret"), 1000);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->name, "admin");
  for (const std::string& bad : {Basic("AKIDEXAMPLE", "wrong"), Basic("OTHER", "s3cret"),
                                 std::string("Bearer abc"), std::string("Basic !!!"),
                                 std::string("Basic ") + crypto::Base64Encode("nocolon")}) {
    Result<Principal> r = auth->Authenticate(bad, 1000);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().reason(), "UNAUTHORIZED");
  }
  EXPECT_FALSE(auth->Authenticate(std::nullopt, 1000).has_value());
}

TEST_F(AuthTest, AnonymousModeLetsEveryoneIn) {
  std::unique_ptr<Authenticator> auth = *Authenticator::Create(*store_, keyring_, true);
  EXPECT_TRUE(auth->Authenticate(std::nullopt, 1000).has_value());
}

}  // namespace
}  // namespace berth::auth

namespace berth::auth {
namespace {

TEST_F(AuthTest, SecretsAreSealedInTheDatabase) {
  setenv("BERTH_ADMIN_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  setenv("BERTH_ADMIN_SECRET_ACCESS_KEY", "s3cret", 1);
  ASSERT_TRUE(BootstrapAdmin(*store_, keyring_, dir_.string(), 1).has_value());
  std::vector<meta::AccessKey> stored = *store_->ListAccessKeys();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].secret.find("s3cret"), std::string::npos);
  EXPECT_FALSE(Authenticator::Create(*store_, KeyRing::FromMaster(std::string(32, 'x')), false).has_value());
}

TEST_F(AuthTest, RegistryTokensWorkUntilTheyExpireAndCannotBeForged) {
  setenv("BERTH_ADMIN_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  setenv("BERTH_ADMIN_SECRET_ACCESS_KEY", "s3cret", 1);
  ASSERT_TRUE(BootstrapAdmin(*store_, keyring_, dir_.string(), 1).has_value());
  std::unique_ptr<Authenticator> auth = *Authenticator::Create(*store_, keyring_, false);
  Principal admin = *auth->PrincipalFor("AKIDEXAMPLE");
  std::string token = auth->IssueToken(admin, 5000);
  Result<Principal> ok = auth->Authenticate(Basic("AWS", token), 4999);
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_EQ(ok->name, "admin");
  EXPECT_FALSE(auth->Authenticate(Basic("AWS", token), 5000).has_value());
  std::string forged = token;
  forged[10] = forged[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(auth->Authenticate(Basic("AWS", forged), 10).has_value());
  // The MAC's last base64 character carries two unused bits; flipping one spells the same bytes
  // differently, and that spelling is refused too.
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string respelled = token;
  respelled.back() = kAlphabet[kAlphabet.find(token.back()) ^ 1];
  EXPECT_FALSE(auth->Authenticate(Basic("AWS", respelled), 10).has_value()) << respelled;
  std::unique_ptr<Authenticator> other =
      *Authenticator::Create(*store_, keyring_, false);
  EXPECT_TRUE(other->Authenticate(Basic("AWS", token), 10).has_value());  // no lookup needed
}

TEST_F(AuthTest, PresignedBlobUrlsAreBoundToRepositoryDigestAndTime) {
  setenv("BERTH_ADMIN_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  setenv("BERTH_ADMIN_SECRET_ACCESS_KEY", "s3cret", 1);
  ASSERT_TRUE(BootstrapAdmin(*store_, keyring_, dir_.string(), 1).has_value());
  std::unique_ptr<Authenticator> auth = *Authenticator::Create(*store_, keyring_, false);
  std::string q = auth->PresignBlob("repo", "sha256:abc", *auth->PrincipalFor("AKIDEXAMPLE"), 100);
  EXPECT_TRUE(auth->VerifyPresignedBlob("repo", "sha256:abc", q, 99).has_value());
  EXPECT_FALSE(auth->VerifyPresignedBlob("repo", "sha256:abc", q, 100).has_value());
  EXPECT_FALSE(auth->VerifyPresignedBlob("other", "sha256:abc", q, 99).has_value());
  EXPECT_FALSE(auth->VerifyPresignedBlob("repo", "sha256:abd", q, 99).has_value());
}

TEST_F(AuthTest, NodesWithTheSameKeyFileJoinOneRingAndOthersAreRefused) {
  KeyRing node = *KeyRing::LoadFile((dir_ / "secret.key").string());
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "secret.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The first node stores the ring; an installation that predates it keeps its keys.
  KeyRing first = *KeyRing::Join(node, *store_);
  EXPECT_EQ(first.Derive("registry-token"), node.Derive("registry-token"));
  std::optional<std::string> stored = *store_->GetSetting("key_ring");
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(stored->starts_with("enc1:"));
  // Another node with a copy of the file joins the same ring.
  std::filesystem::copy_file(dir_ / "secret.key", dir_ / "copy.key");
  KeyRing second = *KeyRing::Join(*KeyRing::LoadFile((dir_ / "copy.key").string()), *store_);
  EXPECT_EQ(second.Derive("access-keys"), first.Derive("access-keys"));
  // A node with its own file cannot open the ring and must not start.
  Result<KeyRing> stranger = KeyRing::Join(*KeyRing::LoadFile((dir_ / "other.key").string()), *store_);
  ASSERT_FALSE(stranger.has_value());
  EXPECT_EQ(stranger.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(stranger.error().message().find("same file"), std::string::npos);
}

}  // namespace
}  // namespace berth::auth
