#include "meta/cache/cached_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "meta/metadata_store_contract.h"
#include "meta/postgres/test_server.h"
#include "meta/sqlite/sqlite_store.h"

namespace berth::meta::cache {
namespace {

Result<std::unique_ptr<MetadataStore>> OpenCached(const std::string& dir) {
  BERTH_ASSIGN(std::string uri, postgres::SchemaUri(dir));
  BERTH_ASSIGN(std::unique_ptr<MetadataStore> store, postgres::OpenPostgresStore(uri));
  return std::unique_ptr<MetadataStore>(new CachedStore(std::move(store), uri));
}

Result<std::unique_ptr<MetadataStore>> OpenCachedSqlite(const std::string& dir) {
  BERTH_ASSIGN(std::unique_ptr<MetadataStore> store, sqlite::OpenSqliteStore(dir + "/meta.db"));
  return std::unique_ptr<MetadataStore>(new CachedStore(std::move(store), ""));
}

// The cache keeps the store's contract: every answer is the store's.
INSTANTIATE_TEST_SUITE_P(Cached, MetadataStoreContract,
                         ::testing::Values(StoreOpener{"postgres_cached", OpenCached},
                                           StoreOpener{"sqlite_cached", OpenCachedSqlite}),
                         PrintStoreName);

NewManifest ImageManifest(char c) {
  std::string payload = R"({"schemaVersion":2,"note":")" + std::string(1, c) + "\"}";
  return NewManifest{.digest = oci::Digest::Sha256Of(payload),
                     .media_type = "application/vnd.oci.image.manifest.v1+json", .artifact_type = "",
                     .annotations_json = "", .subject = std::nullopt, .payload = payload, .blobs = {},
                     .foreign_blobs = {}};
}

// Waits until the node's feed listens (it connects on its own thread).
void WaitUntilListening(CachedStore& node, RepositoryId repo, const std::string& tag) {
  for (int i = 0; i < 200; ++i) {
    (void)node.GetManifest(repo, nullptr, &tag);
    const uint64_t hits = node.cache().hits();
    (void)node.GetManifest(repo, nullptr, &tag);
    if (node.cache().hits() > hits) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "the change feed never started listening";
}

TEST(CachedStore, ATagMovedOnOneNodeIsSeenOnAnotherAndWarmReadsAskNothing) {
  const std::string uri = *postgres::SchemaUri("cached-two-nodes-" + std::to_string(::getpid()));
  auto node_a = std::make_unique<CachedStore>(*postgres::OpenPostgresStore(uri), uri);
  auto node_b = std::make_unique<CachedStore>(*postgres::OpenPostgresStore(uri), uri);
  const RepositoryId repo = *node_a->CreateRepositoryIfMissing("team/app", 1);
  const std::string tag = "latest";
  const NewManifest first = ImageManifest('1'), second = ImageManifest('2');
  ASSERT_TRUE(node_a->PutManifest(repo, first, &tag, 1).has_value());
  WaitUntilListening(*node_b, repo, tag);
  EXPECT_EQ((*node_b->GetManifest(repo, nullptr, &tag))->digest, first.digest);
  EXPECT_EQ(*node_b->FindRepository("team/app"), repo);  // warm now
  EXPECT_TRUE((*node_b->FindRepositoryAccess("team/app"))->access.tags.empty());

  const uint64_t queries = postgres::QueriesRun();
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ((*node_b->GetManifest(repo, nullptr, &tag))->digest, first.digest);
    ASSERT_EQ(*node_b->FindRepository("team/app"), repo);
    ASSERT_EQ((*node_b->FindRepositoryAccess("team/app"))->id, repo);
  }
  EXPECT_EQ(postgres::QueriesRun(), queries) << "warm reads asked PostgreSQL";

  // A tag set on one node (the pull gate's, say) is seen on the other.
  ASSERT_TRUE(node_a->TagResource(repo, {{"berth:pull-block-severity", "HIGH"}}, 50));
  const auto tagged = std::chrono::steady_clock::now();
  ResourceTags tags;
  while (std::chrono::steady_clock::now() - tagged < std::chrono::seconds(1) && tags.empty()) {
    tags = (*node_b->FindRepositoryAccess("team/app"))->access.tags;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(tags, (ResourceTags{{"berth:pull-block-severity", "HIGH"}})) << "node B still serves the old access";

  ASSERT_TRUE(node_a->PutManifest(repo, second, &tag, 2).has_value());
  const auto moved = std::chrono::steady_clock::now();
  std::optional<ManifestRecord> seen;
  while (std::chrono::steady_clock::now() - moved < std::chrono::seconds(1)) {
    seen = *node_b->GetManifest(repo, nullptr, &tag);
    if (seen && seen->digest == second.digest) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->digest, second.digest) << "node B still serves the old tag a second later";
  // The writer reads its own write at once.
  ASSERT_TRUE(node_b->DeleteTag(repo, tag).has_value());
  EXPECT_FALSE(node_b->GetManifest(repo, nullptr, &tag)->has_value());
}

}  // namespace
}  // namespace berth::meta::cache
