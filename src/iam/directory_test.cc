#include "iam/directory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "meta/sqlite/sqlite_store.h"

namespace berth::iam {
namespace {

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("berth-iam-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*meta::sqlite::OpenSqliteStore((dir_ / "meta.db").string()));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static Status AddUser(IamState& s, const std::string& name) {
    if (s.users.contains(name)) return Fail(Code::kAlreadyExists, "exists", "EntityAlreadyExists");
    s.users[name] = User{.name = name, .id = "AIDA" + name};
    return {};
  }

  std::filesystem::path dir_;
  std::unique_ptr<meta::MetadataStore> store_;
};

TEST_F(DirectoryTest, UpdatesAreSeenByEveryDirectoryOnceMarkedStale) {
  Directory a(*store_, "123456789012"), b(*store_, "123456789012");
  ASSERT_TRUE(b.Current());
  ASSERT_TRUE(a.Update([](IamState& s) { return AddUser(s, "alice"); }));
  EXPECT_TRUE(a.Current().value()->state().users.contains("alice"));
  // b has not been told yet: its snapshot stands until the change feed says otherwise.
  EXPECT_FALSE(b.Current().value()->state().users.contains("alice"));
  b.MarkStale(true);
  EXPECT_TRUE(b.Current().value()->state().users.contains("alice"));
  // A failing change stores nothing.
  Result<std::shared_ptr<const Snapshot>> dup = b.Update([](IamState& s) { return AddUser(s, "alice"); });
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().reason(), "EntityAlreadyExists");
  EXPECT_EQ(store_->LoadIam()->version, 1);
}

TEST_F(DirectoryTest, LatestSeesAnotherNodesChangeBeforeTheFeedTellsOfIt) {
  Directory a(*store_, "123456789012"), b(*store_, "123456789012");
  ASSERT_TRUE(b.Current());
  ASSERT_TRUE(a.Update([](IamState& s) { return AddUser(s, "alice"); }));
  EXPECT_TRUE(b.Latest().value()->state().users.contains("alice"));
  // What Latest loaded is b's snapshot from then on.
  EXPECT_TRUE(b.Current().value()->state().users.contains("alice"));
  EXPECT_EQ(b.Latest().value()->version(), 1);
  // Unchanged, the snapshot is kept, not loaded and parsed again.
  EXPECT_EQ(b.Latest().value().get(), b.Current().value().get());
}

TEST_F(DirectoryTest, ConcurrentUpdatesFromTwoNodesAllApply) {
  Directory a(*store_, "123456789012"), b(*store_, "123456789012");
  std::thread t1([&] {
    for (int i = 0; i < 25; ++i) ASSERT_TRUE(a.Update([i](IamState& s) { return AddUser(s, "a" + std::to_string(i)); }));
  });
  std::thread t2([&] {
    for (int i = 0; i < 25; ++i) ASSERT_TRUE(b.Update([i](IamState& s) { return AddUser(s, "b" + std::to_string(i)); }));
  });
  t1.join();
  t2.join();
  a.MarkStale(true);
  EXPECT_EQ(a.Current().value()->state().users.size(), 50u);
}

TEST_F(DirectoryTest, SnapshotsGatherAUsersPoliciesFromGroupsAndAttachments) {
  Directory d(*store_, "123456789012");
  const std::string allow = R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:ListImages","Resource":"*"}})";
  ASSERT_TRUE(d.Update([&](IamState& s) {
    s.policies["mine"] = ManagedPolicy{.name = "mine", .id = "ANPA1", .document = allow};
    s.groups["devs"] = Group{.name = "devs", .id = "AGPA1", .inline_policies = {{"g", allow}},
                             .attached = {"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"}};
    s.users["alice"] = User{.name = "alice", .id = "AIDA1", .inline_policies = {{"u", allow}},
                            .attached = {"arn:aws:iam::123456789012:policy/mine", "arn:aws:iam::123456789012:policy/gone"},
                            .groups = {"devs"},
                            .keys = {{.id = "AKIAALICE", .sealed_secret = "x"}}};
    return Status{};
  }));
  std::shared_ptr<const Snapshot> s = *d.Current();
  EXPECT_EQ(s->PoliciesOf("alice").size(), 4u);  // inline, mine, the group's inline and its managed one
  EXPECT_TRUE(s->PoliciesOf("nobody").empty());
  EXPECT_EQ(s->FindKey("AKIAALICE").user->name, "alice");
  EXPECT_EQ(s->FindKey("AKIAOTHER").user, nullptr);
}

}  // namespace
}  // namespace berth::iam
