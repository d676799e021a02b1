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
};

std::string Basic(std::string_view user, std::string_view pass) {
  return "Basic " + crypto::Base64Encode(std::string(user) + ":" + std::string(pass));
}

TEST_F(AuthTest, BootstrapWritesAPrivateCredentialsFileOnce) {
  BootstrapResult first = *BootstrapAdmin(*store_, dir_.string(), 1);
  EXPECT_TRUE(first.created);
  struct stat st {};
  ASSERT_EQ(::stat(first.credentials_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::stringstream text;
  text << std::ifstream(first.credentials_file).rdbuf();
  EXPECT_NE(text.str().find("[berth]\naws_access_key_id = " + first.access_key_id), std::string::npos);
  BootstrapResult second = *BootstrapAdmin(*store_, dir_.string(), 2);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.access_key_id, first.access_key_id);
}

TEST_F(AuthTest, BasicAuthAcceptsOnlyTheRightSecret) {
  setenv("BERTH_ADMIN_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  setenv("BERTH_ADMIN_SECRET_ACCESS_KEY", "s3cret", 1);
  BootstrapResult boot = *BootstrapAdmin(*store_, dir_.string(), 1);
  EXPECT_TRUE(boot.credentials_file.empty());
  std::unique_ptr<Authenticator> auth = *Authenticator::Create(*store_, false);
  Result<Principal> ok = auth->Authenticate(Basic("AKIDEXAMPLE", "s3cret"));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->name, "admin");
  for (const std::string& bad : {Basic("AKIDEXAMPLE", "wrong"), Basic("OTHER", "s3cret"),
                                 std::string("Bearer abc"), std::string("Basic !!!"),
                                 std::string("Basic ") + crypto::Base64Encode("nocolon")}) {
    Result<Principal> r = auth->Authenticate(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().reason(), "UNAUTHORIZED");
  }
  EXPECT_FALSE(auth->Authenticate(std::nullopt).has_value());
}

TEST_F(AuthTest, AnonymousModeLetsEveryoneIn) {
  std::unique_ptr<Authenticator> auth = *Authenticator::Create(*store_, true);
  EXPECT_TRUE(auth->Authenticate(std::nullopt).has_value());
}

}  // namespace
}  // namespace berth::auth
