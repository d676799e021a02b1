#include "meta/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "meta/metadata_store_contract.h"
#include "meta/sql/collector_queries.h"
#include "meta/sqlite/schema.h"
#include "meta/write_timings.h"

namespace berth::meta::sqlite {
namespace {

INSTANTIATE_TEST_SUITE_P(Sqlite, MetadataStoreContract,
                         ::testing::Values(StoreOpener{
                             "sqlite",
                             [](const std::string& dir) { return OpenSqliteStore(dir + "/meta.db"); }}),
                         PrintStoreName);

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

// How SQLite plans the collector's test for an unused link: from the repository's manifests
// (bounded by the repository), never from every reference to the blob (a shared layer's are a
// million at a million tags, per link).
TEST_F(SqliteMigrationTest, AnUnusedLinkIsFoundFromItsRepositorysManifests) {
  ASSERT_TRUE(OpenSqliteStore(path_).has_value());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  for (const char* sql : {"EXPLAIN QUERY PLAN SELECT rb.repo_id, rb.digest FROM repository_blobs rb "
                          "WHERE rb.linked_at < 0 AND " BERTH_LINK_UNUSED " LIMIT 10",
                          "EXPLAIN QUERY PLAN DELETE FROM repository_blobs AS rb WHERE rb.repo_id=1 AND "
                          "rb.digest='d' AND rb.linked_at < 0 AND " BERTH_LINK_UNUSED}) {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::string plan;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
      plan += "\n";
    }
    sqlite3_finalize(stmt);
    EXPECT_NE(plan.find("SEARCH m USING COVERING INDEX sqlite_autoindex_manifests_1 (repo_id=?)"), std::string::npos)
        << plan;
    EXPECT_NE(plan.find("SEARCH r USING COVERING INDEX manifest_refs_child (child=? AND manifest_id=? AND kind=?)"),
              std::string::npos)
        << plan;
  }
  sqlite3_close(db);
}

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

TEST_F(SqliteMigrationTest, PullTimesMoveToTheirOwnTableAndStayReadable) {
  // Version 10: pull times were a column of manifests.
  std::string sql;
  for (size_t i = 0; i < 10; ++i) sql += std::string(kMigrations[i].sql) + ";\n";
  const std::string pulled(64, 'a'), never(64, 'b');
  sql += "INSERT INTO repositories(id, name, created_at) VALUES(3, 'r', 1);"
         "INSERT INTO manifests(id, repo_id, digest, media_type, artifact_type, annotations, payload, size, "
         "pushed_at, last_pulled_at) VALUES(5, 3, 'sha256:" + pulled + "', 'm', '', '', x'7b7d', 2, 10, 1234),"
         "(6, 3, 'sha256:" + never + "', 'm', '', '', x'7b7d', 2, 10, NULL);"
         "PRAGMA user_version=10;";
  Raw(sql);
  Result<std::unique_ptr<MetadataStore>> store = OpenSqliteStore(path_);
  ASSERT_TRUE(store.has_value()) << store.error().message();
  ExpectPullTimesKeptByTheMove(**store, pulled, never);
  store->reset();
  EXPECT_EQ(RawInt("SELECT count(*) FROM pragma_table_info('manifests') WHERE name='last_pulled_at'"), 0);
  // Deleting the image takes its pull time along.
  Raw("PRAGMA foreign_keys=ON; DELETE FROM manifests WHERE id=5;");
  EXPECT_EQ(RawInt("SELECT count(*) FROM pull_times"), 0);
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

// A new database gets every migration in one transaction: one that fails late (a table in its way)
// leaves nothing of the earlier ones behind, not a half-made schema at some version.
TEST_F(SqliteMigrationTest, ANewDatabaseGetsEveryMigrationOrNone) {
  Raw("CREATE TABLE pull_times(x)");  // what a late migration creates
  std::vector<int> applied;
  Result<std::unique_ptr<MetadataStore>> store =
      OpenSqliteStore(path_, [&](int version, std::string_view) { applied.push_back(version); });
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message().find("schema migration"), std::string::npos) << store.error().message();
  EXPECT_TRUE(applied.empty());
  EXPECT_EQ(RawInt("PRAGMA user_version"), 0);
  EXPECT_EQ(RawInt("SELECT count(*) FROM sqlite_master WHERE name = 'repositories'"), 0);
}

// Group commit: writers from many threads at once, some of whose changes fail, each get their
// own answer, and exactly the changes that succeeded are kept, across a reopen.
TEST_F(SqliteMigrationTest, ConcurrentWritersCommitInGroupsAndEachGetsItsOwnAnswer) {
  constexpr int kThreads = 8, kEach = 150;
  std::atomic<int> succeeded{0}, refused{0};
  {
    std::unique_ptr<MetadataStore> store = *OpenSqliteStore(path_);
    ASSERT_EQ(*store->PutDocument("test", "shared", "v0", 0, 10), 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
          Result<RepositoryId> repo = store->CreateRepositoryIfMissing(name, i);
          EXPECT_TRUE(repo.has_value());
          // Every other write is refused: a create of a document that exists.
          if (i % 2 == 0) {
            if (store->PutDocument("test", "shared", "again", 0, 1000).has_value()) {
              ADD_FAILURE() << "a document was created twice";
            } else {
              ++refused;
            }
          }
          if (repo) ++succeeded;
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }
  EXPECT_EQ(succeeded, kThreads * kEach);
  EXPECT_EQ(refused, kThreads * kEach / 2);
  EXPECT_EQ(RawInt("SELECT count(*) FROM repositories"), kThreads * kEach);
  EXPECT_EQ(RawInt("SELECT count(*) FROM named_documents WHERE kind='test'"), 1);
}

// One machine holds every process that could hold a lease, so a renewal does not wait for the
// disk: it commits as background, and the lease is still taken and kept as the contract says.
TEST_F(SqliteMigrationTest, ALeaseRenewalIsBackgroundWork) {
  std::unique_ptr<MetadataStore> store = *OpenSqliteStore(path_);
  const uint64_t changes = WriteCommits(WriteKind::kChange).Read().count;
  const uint64_t background = WriteCommits(WriteKind::kBackground).Read().count;
  ASSERT_TRUE(*store->TryLease("gc", "node-a", 100, 30));
  ASSERT_TRUE(*store->TryLease("gc", "node-a", 110, 30));
  EXPECT_FALSE(*store->TryLease("gc", "node-b", 120, 30));
  EXPECT_EQ(WriteCommits(WriteKind::kBackground).Read().count, background + 3);
  EXPECT_EQ(WriteCommits(WriteKind::kChange).Read().count, changes);
  store.reset();
  EXPECT_EQ(RawInt("SELECT expires_at FROM leases WHERE name='gc' AND holder='node-a'"), 140);
}

// Background steps commit without an fsync and a change never joins their group: it commits
// the open group first. Interleaved, every change and every pull time is there after reopening.
TEST_F(SqliteMigrationTest, ChangesAndBackgroundStepsInterleavedAllCommit) {
  constexpr int kImages = 400, kRounds = 12, kChangeThreads = 3, kChanges = 100;
  const auto digest = [](int i) { return oci::Digest::Sha256Of("image " + std::to_string(i)); };
  {
    std::unique_ptr<MetadataStore> store = *OpenSqliteStore(path_);
    const RepositoryId repo = *store->CreateRepositoryIfMissing("pulled", 1);
    const oci::Digest config = oci::Digest::Sha256Of("config");
    ASSERT_TRUE(store->CreateUpload({.id = "u", .repository = repo, .hash_state = "h"}).has_value());
    ASSERT_TRUE(store->CommitUpload("u", config, 10, 1, [] { return Status{}; }).has_value());
    for (int i = 0; i < kImages; ++i) {
      NewManifest m{.digest = digest(i), .media_type = "application/vnd.oci.image.manifest.v1+json",
                    .payload = "{}", .blobs = {{config, 10}}};
      ASSERT_TRUE(store->PutManifest(repo, m, nullptr, 2).has_value());
    }
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round) {
        std::vector<PulledImage> pulls;
        // A day apart: each round rewrites every image's row.
        for (int i = 0; i < kImages; ++i) pulls.push_back({repo, digest(i), 100 + round * 86401});
        Result<int64_t> recorded = store->RecordPulls(pulls);
        EXPECT_EQ(recorded.value_or(-1), kImages);
      }
    });
    for (int t = 0; t < kChangeThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kChanges; ++i) {
          EXPECT_TRUE(store->CreateRepositoryIfMissing("c" + std::to_string(t) + "-" + std::to_string(i), 3));
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }
  EXPECT_EQ(RawInt("SELECT count(*) FROM repositories"), 1 + kChangeThreads * kChanges);
  EXPECT_EQ(RawInt("SELECT count(*) FROM pull_times WHERE last_pulled_at=" + std::to_string(100 + (kRounds - 1) * 86401)),
            kImages);
}

}  // namespace
}  // namespace berth::meta::sqlite
