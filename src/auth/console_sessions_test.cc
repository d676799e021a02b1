#include "auth/console_sessions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/sha256.h"
#include "meta/sqlite/sqlite_store.h"

namespace berth::auth {
namespace {

constexpr int64_t kTtl = 3600;

class ConsoleSessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("berth-console-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = *meta::sqlite::OpenSqliteStore((dir_ / "m.db").string());
    setenv("BERTH_ADMIN_ACCESS_KEY_ID", "AKIDCONSOLE", 1);
    setenv("BERTH_ADMIN_SECRET_ACCESS_KEY", "console-secret", 1);
    ASSERT_TRUE(BootstrapAdmin(*store_, keyring_, dir_.string(), 1).has_value());
    unsetenv("BERTH_ADMIN_ACCESS_KEY_ID");
    unsetenv("BERTH_ADMIN_SECRET_ACCESS_KEY");
    auth_ = *Authenticator::Create(*store_, keyring_, false);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string Cookie(const ConsoleSession& s) { return "theme=dark; berth_session=" + s.id + "; other=1"; }

  std::filesystem::path dir_;
  std::unique_ptr<meta::MetadataStore> store_;
  KeyRing keyring_ = KeyRing::FromMaster(std::string(32, 'c'));
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(ConsoleSessionsTest, ASignedInSessionActsAsItsKeyUntilSignedOut) {
  ConsoleSessions sessions(*store_, *auth_, kTtl);
  Result<ConsoleSession> s = sessions.SignIn("AKIDCONSOLE", "console-secret", 1000);
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(s->expires_at, 1000 + kTtl);
  EXPECT_EQ(s->principal.name, "admin");
  EXPECT_EQ(s->id.size(), 43u);

  Result<Principal> who = sessions.Authenticate(Cookie(*s), s->csrf_token, 1001);
  ASSERT_TRUE(who.has_value()) << who.error().message();
  EXPECT_EQ(who->access_key_id, "AKIDCONSOLE");
  Result<ConsoleSession> resumed = sessions.Resume(Cookie(*s), 1001);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->csrf_token, s->csrf_token);
  EXPECT_EQ(resumed->expires_at, s->expires_at);

  ASSERT_TRUE(sessions.SignOut(*s).has_value());
  Result<Principal> after = sessions.Authenticate(Cookie(*s), s->csrf_token, 1002);
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code(), Code::kUnauthenticated);
}

TEST_F(ConsoleSessionsTest, AWrongSecretOrUnknownKeyOpensNothing) {
  ConsoleSessions sessions(*store_, *auth_, kTtl);
  Result<ConsoleSession> wrong = sessions.SignIn("AKIDCONSOLE", "console-secreT", 1000);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), Code::kUnauthenticated);
  Result<ConsoleSession> unknown = sessions.SignIn("AKIDNOBODY", "console-secret", 1000);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message(), wrong.error().message());
  EXPECT_TRUE(store_->ListDocuments(ConsoleSessions::kDocumentKind, "", 10)->empty());
}

TEST_F(ConsoleSessionsTest, EveryCallMustCarryTheSessionsCsrfToken) {
  ConsoleSessions sessions(*store_, *auth_, kTtl);
  ConsoleSession s = *sessions.SignIn("AKIDCONSOLE", "console-secret", 1000);
  ConsoleSession other = *sessions.SignIn("AKIDCONSOLE", "console-secret", 1000);
  EXPECT_NE(s.csrf_token, other.csrf_token);
  EXPECT_FALSE(sessions.Authenticate(Cookie(s), std::nullopt, 1001).has_value());
  EXPECT_FALSE(sessions.Authenticate(Cookie(s), "", 1001).has_value());
  EXPECT_FALSE(sessions.Authenticate(Cookie(s), other.csrf_token, 1001).has_value());
  EXPECT_TRUE(sessions.Authenticate(Cookie(s), s.csrf_token, 1001).has_value());
}

TEST_F(ConsoleSessionsTest, ASessionEndsAtItsExpiry) {
  ConsoleSessions sessions(*store_, *auth_, kTtl);
  ConsoleSession s = *sessions.SignIn("AKIDCONSOLE", "console-secret", 1000);
  EXPECT_TRUE(sessions.Resume(Cookie(s), 1000 + kTtl - 1).has_value());
  Result<ConsoleSession> late = sessions.Resume(Cookie(s), 1000 + kTtl);
  ASSERT_FALSE(late.has_value());
  EXPECT_NE(late.error().message().find("expired"), std::string::npos);
}

TEST_F(ConsoleSessionsTest, ATokenSessionEndsNoLaterThanItsToken) {
  ConsoleSessions sessions(*store_, *auth_, kTtl);
  Principal admin = *auth_->PrincipalFor("AKIDCONSOLE");
  Result<ConsoleSession> s = sessions.SignInWithToken(auth_->IssueToken(admin, 1500), 1000);
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(s->expires_at, 1500);
  EXPECT_FALSE(sessions.SignInWithToken(auth_->IssueToken(admin, 1500), 1500).has_value());
  EXPECT_FALSE(sessions.SignInWithToken("not-a-token", 1000).has_value());
}

TEST_F(ConsoleSessionsTest, TheStoreHoldsNoUsableCookie) {
  ConsoleSessions sessions(*store_, *auth_, kTtl);
  ConsoleSession s = *sessions.SignIn("AKIDCONSOLE", "console-secret", 1000);
  std::vector<meta::NamedDocument> docs = *store_->ListDocuments(ConsoleSessions::kDocumentKind, "", 10);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].name, crypto::Sha256::HexOf(s.id));
  EXPECT_EQ(docs[0].document.find(s.id), std::string::npos);
  // The document's name as a cookie opens nothing.
  EXPECT_FALSE(sessions.Resume("berth_session=" + docs[0].name, 1001).has_value());
}

TEST_F(ConsoleSessionsTest, CookiesAreReadByExactName) {
  EXPECT_EQ(ConsoleSessions::CookieValue("berth_session=abc"), "abc");
  EXPECT_EQ(ConsoleSessions::CookieValue("a=1;berth_session=abc ; b=2"), "abc");
  EXPECT_EQ(ConsoleSessions::CookieValue("xberth_session=abc"), std::nullopt);
  EXPECT_EQ(ConsoleSessions::CookieValue("berth_session"), std::nullopt);
  EXPECT_EQ(ConsoleSessions::CookieValue(std::nullopt), std::nullopt);
  ConsoleSessions sessions(*store_, *auth_, kTtl);
  EXPECT_FALSE(sessions.Resume("berth_session=short", 1).has_value());
  EXPECT_FALSE(sessions.Resume(std::nullopt, 1).has_value());
}

TEST_F(ConsoleSessionsTest, SetCookieIsHttpOnlyStrictAndSecureUnderTls) {
  ConsoleSession s{.id = std::string(43, 'a'), .csrf_token = "t", .expires_at = 1100, .principal = {}};
  EXPECT_EQ(ConsoleSessions::SetCookie(s, 1000, false),
            "berth_session=" + s.id + "; Path=/; Max-Age=100; HttpOnly; SameSite=Strict");
  EXPECT_TRUE(ConsoleSessions::SetCookie(s, 1000, true).ends_with("; Secure"));
  EXPECT_EQ(ConsoleSessions::ClearCookie(false), "berth_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

TEST_F(ConsoleSessionsTest, AFullStoreMakesRoomFromExpiredSessionsOnly) {
  ConsoleSessions sessions(*store_, *auth_, kTtl, /*max_sessions=*/3);
  ConsoleSession old = *sessions.SignIn("AKIDCONSOLE", "console-secret", 1000);
  ASSERT_TRUE(sessions.SignIn("AKIDCONSOLE", "console-secret", 3000).has_value());
  ASSERT_TRUE(sessions.SignIn("AKIDCONSOLE", "console-secret", 3000).has_value());
  // At 5000 the first has expired (1000 + 3600 = 4600): it makes room.
  ASSERT_TRUE(sessions.SignIn("AKIDCONSOLE", "console-secret", 5000).has_value());
  EXPECT_FALSE(sessions.Resume(Cookie(old), 1001).has_value());
  Result<ConsoleSession> full = sessions.SignIn("AKIDCONSOLE", "console-secret", 5000);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code(), Code::kResourceExhausted);
}

TEST_F(ConsoleSessionsTest, ADeletedKeyEndsItsSessions) {
  // The root's keys are fixed at start; an IAM user's key is looked up on every request. The
  // root is never deleted, so this checks the lookup path through an authenticator that no
  // longer knows the key.
  ConsoleSessions sessions(*store_, *auth_, kTtl);
  ConsoleSession s = *sessions.SignIn("AKIDCONSOLE", "console-secret", 1000);
  std::unique_ptr<meta::MetadataStore> empty = *meta::sqlite::OpenSqliteStore((dir_ / "other.db").string());
  std::unique_ptr<Authenticator> forgetful = *Authenticator::Create(*empty, keyring_, false);
  ConsoleSessions elsewhere(*store_, *forgetful, kTtl);
  Result<ConsoleSession> gone = elsewhere.Resume(Cookie(s), 1001);
  ASSERT_FALSE(gone.has_value());
  EXPECT_NE(gone.error().message().find("no longer active"), std::string::npos);
}

}  // namespace
}  // namespace berth::auth
