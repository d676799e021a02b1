#include "meta/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "meta/sqlite/schema.h"

namespace berth::meta::sqlite {
namespace {

oci::Digest D(char c) { return oci::Digest::Sha256Of(std::string(1, c)); }

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("berth-meta-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = *OpenSqliteStore((dir_ / "meta.db").string());
    repo_ = *store_->CreateRepositoryIfMissing("team/app", 100);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void PushBlob(RepositoryId repo, const oci::Digest& digest, uint64_t size) {
    std::string id = "u-" + digest.str().substr(7, 12) + std::to_string(repo);
    ASSERT_TRUE(store_->CreateUpload({.id = id, .repository = repo, .hash_state = "h"}).has_value());
    ASSERT_TRUE(store_->CommitUpload(id, digest, size, 1).has_value());
  }

  NewManifest Image(char config, char layer) {
    return NewManifest{.digest = D('m'),
                       .media_type = "application/vnd.oci.image.manifest.v1+json",
                       .payload = "{}",
                       .blobs = {{D(config), 10}, {D(layer), 20}}};
  }

  std::filesystem::path dir_;
  std::unique_ptr<MetadataStore> store_;
  RepositoryId repo_ = 0;
};

TEST_F(SqliteStoreTest, RepositoriesAreCreatedOnceAndListedInOrder) {
  EXPECT_EQ(*store_->CreateRepositoryIfMissing("team/app", 5), repo_);
  ASSERT_TRUE(store_->CreateRepositoryIfMissing("alpha", 5).has_value());
  ASSERT_TRUE(store_->CreateRepositoryIfMissing("zeta", 5).has_value());
  EXPECT_EQ(*store_->ListRepositories("", 10),
            (std::vector<std::string>{"alpha", "team/app", "zeta"}));
  EXPECT_EQ(*store_->ListRepositories("alpha", 1), (std::vector<std::string>{"team/app"}));
  EXPECT_FALSE(store_->FindRepository("nope")->has_value());
}

TEST_F(SqliteStoreTest, BlobsAreVisibleOnlyInTheirRepositories) {
  RepositoryId other = *store_->CreateRepositoryIfMissing("other", 1);
  PushBlob(repo_, D('a'), 10);
  EXPECT_EQ(*store_->FindBlob(repo_, D('a')), 10u);
  EXPECT_FALSE(store_->FindBlob(other, D('a'))->has_value());
  EXPECT_FALSE(*store_->MountBlob(repo_, other, D('a'), 1));  // other lacks it
  EXPECT_TRUE(*store_->MountBlob(other, repo_, D('a'), 1));
  EXPECT_EQ(*store_->FindBlob(other, D('a')), 10u);
  EXPECT_TRUE(*store_->UnlinkBlob(other, D('a')));
  EXPECT_FALSE(store_->FindBlob(other, D('a'))->has_value());
  EXPECT_EQ(*store_->FindBlob(repo_, D('a')), 10u);
}

TEST_F(SqliteStoreTest, CommittingAnUploadEndsItsSession) {
  ASSERT_TRUE(store_->CreateUpload({.id = "u1", .repository = repo_, .hash_state = "s"}).has_value());
  ASSERT_TRUE(store_->SaveUploadProgress("u1", 7, "state7", 50).has_value());
  std::optional<UploadRecord> u = *store_->GetUpload("u1");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->size, 7u);
  EXPECT_EQ(u->hash_state, "state7");
  ASSERT_TRUE(store_->CommitUpload("u1", D('b'), 7, 60).has_value());
  EXPECT_FALSE(store_->GetUpload("u1")->has_value());
  EXPECT_EQ(store_->CommitUpload("u1", D('b'), 7, 60).error().code(), Code::kNotFound);
  EXPECT_EQ(store_->SaveUploadProgress("u1", 8, "x", 1).error().code(), Code::kNotFound);
}

TEST_F(SqliteStoreTest, IdleUploadsAreFound) {
  ASSERT_TRUE(store_->CreateUpload({.id = "old", .repository = repo_, .updated_at = 10}).has_value());
  ASSERT_TRUE(store_->CreateUpload({.id = "new", .repository = repo_, .updated_at = 100}).has_value());
  EXPECT_EQ(*store_->IdleUploads(50, 10), (std::vector<std::string>{"old"}));
  EXPECT_EQ(*store_->CountUploads(), 2);
}

TEST_F(SqliteStoreTest, ManifestPushNeedsEveryBlobAndChangesNothingOtherwise) {
  PushBlob(repo_, D('c'), 10);
  std::string tag = "v1";
  Result<PutManifestOutcome> missing = store_->PutManifest(repo_, Image('c', 'l'), &tag, 1);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().reason(), "MANIFEST_BLOB_UNKNOWN");
  EXPECT_TRUE(store_->ListTags(repo_, "", 10)->empty());

  PushBlob(repo_, D('l'), 21);
  Result<PutManifestOutcome> wrong_size = store_->PutManifest(repo_, Image('c', 'l'), &tag, 1);
  ASSERT_FALSE(wrong_size.has_value());
  EXPECT_EQ(wrong_size.error().reason(), "MANIFEST_INVALID");

  PushBlob(repo_, D('k'), 20);
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'k'), &tag, 1).has_value());
  std::optional<ManifestRecord> by_tag = *store_->GetManifest(repo_, nullptr, &tag);
  ASSERT_TRUE(by_tag.has_value());
  EXPECT_EQ(by_tag->digest, D('m'));
  oci::Digest m = D('m');
  EXPECT_TRUE(store_->GetManifest(repo_, &m, nullptr)->has_value());
}

TEST_F(SqliteStoreTest, IndexesNeedTheirChildManifests) {
  NewManifest index{.digest = D('i'), .media_type = "application/vnd.oci.image.index.v1+json",
                    .payload = "{}", .manifests = {D('m')}};
  EXPECT_EQ(store_->PutManifest(repo_, index, nullptr, 1).error().reason(), "MANIFEST_CHILD_UNKNOWN");
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), nullptr, 1).has_value());
  EXPECT_TRUE(store_->PutManifest(repo_, index, nullptr, 1).has_value());
}

TEST_F(SqliteStoreTest, DeletingAManifestRemovesItsTagsButDeletingATagKeepsTheManifest) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  std::string a = "a", b = "b";
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &a, 1).has_value());
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &b, 1).has_value());
  EXPECT_EQ(*store_->ListTags(repo_, "", 10), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(*store_->DeleteTag(repo_, "a"));
  EXPECT_FALSE(*store_->DeleteTag(repo_, "a"));
  oci::Digest m = D('m');
  EXPECT_TRUE(store_->GetManifest(repo_, &m, nullptr)->has_value());
  EXPECT_TRUE(*store_->DeleteManifest(repo_, m));
  EXPECT_TRUE(store_->ListTags(repo_, "", 10)->empty());
  EXPECT_FALSE(*store_->DeleteManifest(repo_, m));
}

TEST_F(SqliteStoreTest, TagsPageInOrder) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  for (std::string t : {"c", "a", "b", "d"}) {
    ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &t, 1).has_value());
  }
  EXPECT_EQ(*store_->ListTags(repo_, "", 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*store_->ListTags(repo_, "b", 2), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(store_->ListTags(repo_, "d", 2)->empty());
}

TEST_F(SqliteStoreTest, ReferrersAreFoundBySubjectAndFiltered) {
  PushBlob(repo_, D('c'), 10);
  NewManifest sbom{.digest = D('s'), .media_type = "application/vnd.oci.image.manifest.v1+json",
                   .artifact_type = "application/spdx+json", .subject = D('x'), .payload = "{}",
                   .blobs = {{D('c'), 10}}};
  NewManifest sig = sbom;
  sig.digest = D('t');
  sig.artifact_type = "application/signature";
  ASSERT_TRUE(store_->PutManifest(repo_, sbom, nullptr, 1).has_value());
  ASSERT_TRUE(store_->PutManifest(repo_, sig, nullptr, 1).has_value());
  EXPECT_EQ(store_->ListReferrers(repo_, D('x'), "", "", 10)->size(), 2u);
  std::vector<Referrer> only = *store_->ListReferrers(repo_, D('x'), "application/signature", "", 10);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].digest, D('t'));
  EXPECT_TRUE(store_->ListReferrers(repo_, D('y'), "", "", 10)->empty());
  // Pages in digest order.
  std::vector<Referrer> first = *store_->ListReferrers(repo_, D('x'), "", "", 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].digest, D('s'));
  std::vector<Referrer> second = *store_->ListReferrers(repo_, D('x'), "", first[0].digest.str(), 1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].digest, D('t'));
  EXPECT_TRUE(store_->ListReferrers(repo_, D('x'), "", second[0].digest.str(), 1)->empty());
}

TEST_F(SqliteStoreTest, SurvivesReopenAndConcurrentWriters) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) {
        ASSERT_TRUE(store_->CreateRepositoryIfMissing("r" + std::to_string(t * 100 + i), 1));
      }
    });
  }
  for (auto& th : threads) th.join();
  store_.reset();
  store_ = *OpenSqliteStore((dir_ / "meta.db").string());
  EXPECT_EQ(store_->ListRepositories("", 1000)->size(), 101u);
}

TEST_F(SqliteStoreTest, AccessKeysAreUnique) {
  ASSERT_TRUE(store_->CreateAccessKey({.id = "AK", .secret = "s", .principal = "admin"}, 1));
  EXPECT_FALSE(store_->CreateAccessKey({.id = "AK", .secret = "t", .principal = "admin"}, 1));
  EXPECT_EQ(store_->ListAccessKeys()->size(), 1u);
}

TEST_F(SqliteStoreTest, ImmutableTagsCannotMoveButRepushingTheSameImageIsFine) {
  RepositoryRecord r = *store_->CreateRepository({.name = "locked", .created_at = 1,
                                                  .tag_mutability = "IMMUTABLE_WITH_EXCLUSION",
                                                  .mutability_filters = {"latest"}}, {});
  PushBlob(r.id, D('c'), 10);
  PushBlob(r.id, D('l'), 20);
  PushBlob(r.id, D('k'), 20);
  std::string v1 = "v1", latest = "latest";
  EXPECT_FALSE(store_->PutManifest(r.id, Image('c', 'l'), &v1, 1)->unchanged);
  EXPECT_TRUE(store_->PutManifest(r.id, Image('c', 'l'), &v1, 1)->unchanged);
  NewManifest other = Image('c', 'k');
  other.digest = D('o');
  EXPECT_EQ(store_->PutManifest(r.id, other, &v1, 1).error().reason(), "IMAGE_TAG_IMMUTABLE");
  ASSERT_TRUE(store_->PutManifest(r.id, Image('c', 'l'), &latest, 1).has_value());
  EXPECT_TRUE(store_->PutManifest(r.id, other, &latest, 1).has_value());  // excluded tag moves
}

TEST_F(SqliteStoreTest, RepositoryAdminAndImageCatalog) {
  RepositoryRecord r = *store_->CreateRepository({.name = "ecr/repo", .created_at = 7}, {{"team", "a"}});
  EXPECT_EQ(store_->CreateRepository({.name = "ecr/repo"}, {}).error().reason(),
            "RepositoryAlreadyExistsException");
  ASSERT_TRUE(store_->TagResource(r.id, {{"env", "prod"}, {"team", "b"}}, 50).has_value());
  EXPECT_EQ(*store_->GetResourceTags(r.id), (ResourceTags{{"env", "prod"}, {"team", "b"}}));
  EXPECT_EQ(store_->TagResource(r.id, {{"x", "1"}}, 2).error().reason(), "TooManyTagsException");
  ASSERT_TRUE(store_->UntagResource(r.id, {"team"}).has_value());
  EXPECT_EQ(store_->GetResourceTags(r.id)->size(), 1u);
  PushBlob(r.id, D('c'), 10);
  PushBlob(r.id, D('l'), 20);
  std::string a = "a", b = "b";
  ASSERT_TRUE(store_->PutManifest(r.id, Image('c', 'l'), &b, 100).has_value());
  ASSERT_TRUE(store_->PutManifest(r.id, Image('c', 'l'), &a, 100).has_value());
  std::vector<ImageRecord> images = *store_->ListImages(r.id, "", 10);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(images[0].size, 30);
  EXPECT_FALSE(images[0].last_pulled_at.has_value());
  ASSERT_TRUE(store_->RecordPull(r.id, D('m'), 200).has_value());
  EXPECT_EQ(store_->FindImage(r.id, D('m'))->value().last_pulled_at, 200);
  EXPECT_EQ(store_->DeleteRepository(r.id, false).error().reason(), "RepositoryNotEmptyException");
  ASSERT_TRUE(store_->CreateUpload({.id = "pending", .repository = r.id, .hash_state = "h"}).has_value());
  EXPECT_EQ(*store_->DeleteRepository(r.id, true), (std::vector<std::string>{"pending"}));
  EXPECT_FALSE(store_->GetUpload("pending")->has_value());
  EXPECT_FALSE(store_->GetRepository("ecr/repo")->has_value());
  ASSERT_TRUE(store_->PutSetting("BLOB_MOUNTING", "DISABLED").has_value());
  EXPECT_EQ(*store_->GetSetting("BLOB_MOUNTING"), "DISABLED");
}


// Schema migrations: a fresh database gets every one, an old one the missing ones, and one from a
// newer Berth is refused untouched.
class SqliteMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("berth-migrate-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "meta.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs SQL on the database file with SQLite itself, as another program (or an older Berth) would.
  void Raw(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }
  int64_t RawInt(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    const int64_t v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteMigrationTest, AFreshDatabaseGetsEveryMigrationInOrder) {
  std::vector<int> applied;
  Result<std::unique_ptr<MetadataStore>> store =
      OpenSqliteStore(path_, [&](int version, std::string_view what) {
        applied.push_back(version);
        EXPECT_FALSE(what.empty());
      });
  ASSERT_TRUE(store.has_value()) << store.error().message();
  ASSERT_EQ(static_cast<int>(applied.size()), CurrentSchemaVersion());
  for (size_t i = 0; i < applied.size(); ++i) EXPECT_EQ(applied[i], static_cast<int>(i + 1));
  store->reset();
  EXPECT_EQ(RawInt("PRAGMA user_version"), CurrentSchemaVersion());

  // Opening it again applies nothing.
  applied.clear();
  store = OpenSqliteStore(path_, [&](int version, std::string_view) { applied.push_back(version); });
  ASSERT_TRUE(store.has_value());
  EXPECT_TRUE(applied.empty());
}

TEST_F(SqliteMigrationTest, AnOldDatabaseIsUpgradedAndKeepsItsRows) {
  // Version 1 as the first Berth wrote it: only the first migration, with a repository in it.
  Raw(std::string(kMigrations[0].sql) +
      "; INSERT INTO repositories(id, name, created_at) VALUES(7, 'old/repo', 42);"
      " PRAGMA user_version=1;");
  std::vector<int> applied;
  Result<std::unique_ptr<MetadataStore>> store =
      OpenSqliteStore(path_, [&](int version, std::string_view) { applied.push_back(version); });
  ASSERT_TRUE(store.has_value()) << store.error().message();
  ASSERT_FALSE(applied.empty());
  EXPECT_EQ(applied.front(), 2);
  Result<std::optional<RepositoryId>> repo = (*store)->FindRepository("old/repo");
  ASSERT_TRUE(repo.has_value() && repo->has_value());
  EXPECT_EQ(**repo, 7);
  store->reset();
  // Columns added later got their defaults on the old row.
  EXPECT_EQ(RawInt("SELECT scan_on_push FROM repositories WHERE id = 7"), 0);
}

TEST_F(SqliteMigrationTest, ADatabaseFromANewerBerthIsRefusedUntouched) {
  const int newer = CurrentSchemaVersion() + 1;
  Raw("CREATE TABLE future(x); PRAGMA user_version=" + std::to_string(newer) + ";");
  const auto size_before = std::filesystem::file_size(path_);
  Result<std::unique_ptr<MetadataStore>> store = OpenSqliteStore(path_);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(store.error().message().find("newer Berth"), std::string::npos) << store.error().message();
  EXPECT_NE(store.error().message().find("schema version " + std::to_string(newer)), std::string::npos);
  EXPECT_EQ(RawInt("PRAGMA user_version"), newer);
  EXPECT_EQ(std::filesystem::file_size(path_), size_before);
}

TEST_F(SqliteMigrationTest, AFailedMigrationLeavesTheDatabaseAtItsVersion) {
  // A version-1 database whose repositories table already has a column migration 2 adds.
  Raw(std::string(kMigrations[0].sql) +
      "; ALTER TABLE repositories ADD COLUMN scan_on_push INTEGER; PRAGMA user_version=1;");
  Result<std::unique_ptr<MetadataStore>> store = OpenSqliteStore(path_);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message().find("schema migration 2"), std::string::npos) << store.error().message();
  EXPECT_EQ(RawInt("PRAGMA user_version"), 1);
  EXPECT_EQ(RawInt("SELECT count(*) FROM sqlite_master WHERE name = 'repository_tags'"), 0);
}

}  // namespace
}  // namespace berth::meta::sqlite
