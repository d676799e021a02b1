#include "meta/cache/read_cache.h"

#include <gtest/gtest.h>

namespace berth::meta::cache {
namespace {

PackedManifest Manifest(char c, size_t size = 10) {
  return PackedManifest(ManifestRecord{
      .digest = oci::Digest::Sha256Of(std::string(1, c)), .media_type = "m", .payload = std::string(size, c)});
}

// What a hit unpacks is what was put, byte for byte; a copy shares the block.
TEST(PackedManifest, UnpacksWhatItWasGiven) {
  const ManifestRecord record{.digest = oci::Digest::Parse("sha512:" + std::string(128, 'a')).value(),
                              .media_type = "application/vnd.oci.image.index.v1+json",
                              .payload = std::string("{\"a\":\0}", 8),
                              .archived = true};
  const PackedManifest packed(record);
  const PackedManifest copy = packed;
  const ManifestRecord back = copy.Unpack();
  EXPECT_EQ(back.digest, record.digest);
  EXPECT_EQ(back.digest.algorithm(), oci::DigestAlgorithm::kSha512);
  EXPECT_EQ(back.media_type, record.media_type);
  EXPECT_EQ(back.payload, record.payload);
  EXPECT_TRUE(back.archived);
  EXPECT_EQ(packed.payload().data(), copy.payload().data());
  EXPECT_EQ(PackedManifest(ManifestRecord{.digest = oci::Digest::Sha256Of("x")}).Unpack().payload, "");
}

TEST(PackedRepository, UnpacksWhatItWasGiven) {
  const FoundRepository found{.id = int64_t{1} << 40 | 7,
                              .access = {.policy = R"({"Statement":[]})",
                                         .tags = {{"team", "a"}, {"", ""}, {"berth:x", std::string(300, 'v')}}}};
  const PackedRepository packed(found, "ascale/r1");
  const FoundRepository back = PackedRepository(packed).Unpack();
  EXPECT_EQ(back.id, found.id);
  EXPECT_EQ(back.access.policy, found.access.policy);
  EXPECT_EQ(back.access.tags, found.access.tags);
  EXPECT_EQ(packed.key(), "ascale/r1");
  EXPECT_EQ(PackedRepository(FoundRepository{.id = 3}).Unpack().access.tags.size(), 0u);
}

// A repository found by name is served from its block, and dropped with its repository.
TEST(ReadCache, ARepositoryAnswersFromItsBlockUntilItChanges) {
  ReadCache cache(1 << 20);
  cache.Reset(true);
  cache.Put("ascale/r1", 9, PackedRepository(FoundRepository{.id = 9, .access = {.policy = "p"}}), cache.Begin(9));
  cache.Put("ascale/r2", 10, PackedRepository(FoundRepository{.id = 10}), cache.Begin(10));
  ASSERT_TRUE(cache.Get("ascale/r1").has_value());
  EXPECT_EQ(std::get<PackedRepository>(*cache.Get("ascale/r1")).Unpack().access.policy, "p");
  cache.Changed(9);
  EXPECT_FALSE(cache.Get("ascale/r1").has_value());
  EXPECT_EQ(std::get<PackedRepository>(*cache.Get("ascale/r2")).Unpack().id, 10);
}

TEST(ReadCache, ServesNothingUntilEnabled) {
  ReadCache cache(1 << 20);
  cache.Put("k", 1, int64_t{5}, cache.Begin(1));
  EXPECT_FALSE(cache.Get("k").has_value());
  cache.Reset(true);
  cache.Put("k", 1, int64_t{5}, cache.Begin(1));
  EXPECT_EQ(std::get<int64_t>(*cache.Get("k")), 5);
  EXPECT_EQ(cache.hits(), 1u);
}

TEST(ReadCache, AChangeDropsOnlyItsRepository) {
  ReadCache cache(1 << 20);
  cache.Reset(true);
  cache.Put("a", 1, Manifest('a'), cache.Begin(1));
  cache.Put("b", 2, Manifest('b'), cache.Begin(2));
  cache.Changed(1);
  EXPECT_FALSE(cache.Get("a").has_value());
  EXPECT_EQ(std::get<PackedManifest>(*cache.Get("b")).payload(), std::string(10, 'b'));
  cache.Changed(kAllRepositories);
  EXPECT_FALSE(cache.Get("b").has_value());
}

TEST(ReadCache, AnAnswerReadBeforeAChangeIsNotKept) {
  ReadCache cache(1 << 20);
  cache.Reset(true);
  ReadCache::Ticket before = cache.Begin(1);
  cache.Changed(1);  // another node moved a tag while this one read the old one
  cache.Put("t", 1, Manifest('o'), before);
  EXPECT_FALSE(cache.Get("t").has_value());
  ReadCache::Ticket reset = cache.Begin(1);
  cache.Reset(true);  // the feed reconnected: it may have missed changes
  cache.Put("t", 1, Manifest('o'), reset);
  EXPECT_FALSE(cache.Get("t").has_value());
  cache.Reset(false);  // the feed is down: nothing is served
  cache.Put("t", 1, Manifest('n'), cache.Begin(1));
  EXPECT_FALSE(cache.Get("t").has_value());
}

TEST(ReadCache, StaysWithinItsBytesDroppingTheOldestUnread) {
  ReadCache cache(64 * 1024);
  cache.Reset(true);
  for (char c = 'a'; c <= 'z'; ++c) cache.Put(std::string(1, c), 1, Manifest(c, 4000), cache.Begin(1));
  EXPECT_LE(cache.bytes(), 64u * 1024);
  EXPECT_TRUE(cache.Get("z").has_value());
  EXPECT_FALSE(cache.Get("a").has_value());
  // An entry larger than an eighth of the budget is never cached.
  cache.Put("huge", 1, Manifest('h', 20000), cache.Begin(1));
  EXPECT_FALSE(cache.Get("huge").has_value());
}

TEST(ReadCache, AnEntryReadSinceTheHandPassedOutlivesOlderOnesNotRead) {
  ReadCache cache(64 * 1024);
  cache.Reset(true);
  for (char c = 'a'; c <= 'l'; ++c) cache.Put(std::string(1, c), 1, Manifest(c, 4000), cache.Begin(1));
  ASSERT_TRUE(cache.Get("a").has_value());
  for (char c = 'm'; c <= 'p'; ++c) cache.Put(std::string(1, c), 1, Manifest(c, 4000), cache.Begin(1));
  EXPECT_LE(cache.bytes(), 64u * 1024);
  EXPECT_TRUE(cache.Get("a").has_value());   // read: passed over once
  EXPECT_FALSE(cache.Get("b").has_value());  // the oldest not read went first
  EXPECT_TRUE(cache.Get("p").has_value());
  // Freed slots are used again: the cache's entries stay what its bytes allow.
  for (int round = 0; round < 50; ++round) {
    for (char c = 'a'; c <= 'z'; ++c) cache.Put(std::string(1, c), 1, Manifest(c, 4000), cache.Begin(1));
  }
  EXPECT_LE(cache.bytes(), 64u * 1024);
  EXPECT_LE(cache.entries(), 16u);
}

TEST(ReadCache, TheHandFindsItsVictimsAmongManyFreeSlots) {
  ReadCache cache(64 * 1024);
  cache.Reset(true);
  for (int i = 0; i < 300; ++i) cache.Put("s" + std::to_string(i), 1, int64_t{i}, cache.Begin(1));
  cache.Changed(1);
  for (int i = 0; i < 300; ++i) EXPECT_FALSE(cache.Get("s" + std::to_string(i)).has_value());  // freed
  for (char c = 'a'; c <= 'z'; ++c) {
    cache.Put(std::string(1, c), 2, Manifest(c, 4000), cache.Begin(2));
    EXPECT_LE(cache.bytes(), 64u * 1024) << "after " << c;
  }
}

TEST(ReadCache, CountsWhatAnEntryCostsTheAllocatorNotOnlyItsPayload) {
  ReadCache cache(64 << 20);
  cache.Reset(true);
  for (int i = 0; i < 10000; ++i) cache.Put("b1/" + std::to_string(i), 1, int64_t{i}, cache.Begin(1));
  EXPECT_EQ(cache.entries(), 10000u);
  // A blob size: the entry, its index cells (at their emptiest) and its place in the free list.
  EXPECT_GE(cache.bytes() / 10000, 120u);
  EXPECT_LE(cache.bytes() / 10000, 250u);
  // A manifest: its strings' characters too.
  const size_t before = cache.bytes();
  cache.Put("t1/latest", 1, Manifest('m', 1000), cache.Begin(1));
  EXPECT_GE(cache.bytes() - before, 1000u + 120u);
}

TEST(ReadCache, AChangeDropsItsBucketOfRepositoriesAndNoOther) {
  ReadCache cache(1 << 20);
  cache.Reset(true);
  const RepositoryId same_bucket = 5 + ReadCache::kGenerationBuckets;
  cache.Put("k", 5, int64_t{1}, cache.Begin(5));
  cache.Put("j", 6, int64_t{2}, cache.Begin(6));
  ReadCache::Ticket before = cache.Begin(5);
  cache.Changed(same_bucket);
  EXPECT_FALSE(cache.Get("k").has_value());  // a miss it did not need, never a stale hit
  cache.Put("k", 5, int64_t{1}, before);         // read before that change: not kept
  EXPECT_FALSE(cache.Get("k").has_value());
  EXPECT_EQ(std::get<int64_t>(*cache.Get("j")), 2);
}

// A manifest's key, repository and ticket are in its block, where a hit reads them: one block
// given twice (under two keys, to two caches, or while the caller keeps a copy) is copied, so
// each entry answers for its own key and repository only.
TEST(ReadCache, AManifestPutTwiceAnswersForEachKeyAndRepositoryApart) {
  ReadCache cache(1 << 20), other(1 << 20);
  cache.Reset(true);
  other.Reset(true);
  const PackedManifest shared = Manifest('s');
  cache.Put("t1/a", 1, shared, cache.Begin(1));
  cache.Put("t2/b", 2, shared, cache.Begin(2));
  other.Put("t1/a", 1, shared, other.Begin(1));
  EXPECT_EQ(shared.key(), "");  // the caller's copy is left as it was
  cache.Changed(1);
  EXPECT_FALSE(cache.Get("t1/a").has_value());
  ASSERT_TRUE(cache.Get("t2/b").has_value());
  EXPECT_EQ(std::get<PackedManifest>(*cache.Get("t2/b")).payload(), std::string(10, 's'));
  EXPECT_EQ(std::get<PackedManifest>(*other.Get("t1/a")).payload(), std::string(10, 's'));
  // Packed under the very key, still shared: each cache stamps its own copy with its own ticket.
  const PackedManifest keyed(ManifestRecord{.digest = oci::Digest::Sha256Of("k"), .payload = "k"}, "t3/k");
  cache.Put("t3/k", 3, keyed, cache.Begin(3));
  other.Changed(3);
  other.Put("t3/k", 3, keyed, other.Begin(3));
  EXPECT_TRUE(cache.Get("t3/k").has_value());
  EXPECT_TRUE(other.Get("t3/k").has_value());
  // A hit's copy outlives the entry it came from.
  const PackedManifest kept = std::get<PackedManifest>(*cache.Get("t2/b"));
  cache.Reset(true);
  EXPECT_FALSE(cache.Get("t2/b").has_value());
  EXPECT_EQ(kept.payload(), std::string(10, 's'));
  EXPECT_EQ(kept.key(), "t2/b");
}

// Other values keep their CLOCK mark in the entry, as manifests keep theirs in the block.
TEST(ReadCache, ABlobSizeReadSinceTheHandPassedOutlivesOlderOnesNotRead) {
  ReadCache cache(64 * 1024);
  cache.Reset(true);
  for (int i = 0; i < 300; ++i) cache.Put("b" + std::to_string(i), 1, int64_t{i}, cache.Begin(1));
  ASSERT_TRUE(cache.Get("b0").has_value());
  for (int i = 300; i < 600; ++i) cache.Put("b" + std::to_string(i), 1, int64_t{i}, cache.Begin(1));
  EXPECT_LE(cache.bytes(), 64u * 1024);
  EXPECT_EQ(std::get<int64_t>(*cache.Get("b0")), 0);
  EXPECT_FALSE(cache.Get("b1").has_value());
}

TEST(ReadCache, ALargeCacheSplitsIntoShardsThatTogetherKeepItsBound) {
  ReadCache cache(size_t{64} << 20);  // four shards of 16 MiB
  cache.Reset(true);
  for (int i = 0; i < 40000; ++i) {
    cache.Put("m/" + std::to_string(i), i % 7, Manifest('a' + i % 26, 3000), cache.Begin(i % 7));
  }
  EXPECT_LE(cache.bytes(), size_t{64} << 20);
  EXPECT_GT(cache.bytes(), size_t{48} << 20);  // every shard is used
  size_t found = 0;
  for (int i = 39000; i < 40000; ++i) found += cache.Get("m/" + std::to_string(i)).has_value();
  EXPECT_GT(found, 900u);  // the newest are kept
  cache.Changed(3);
  uint64_t reads = 1000;
  for (int i = 39000; i < 40000; ++i) {
    if (i % 7 != 3) continue;
    EXPECT_FALSE(cache.Get("m/" + std::to_string(i)).has_value());
    ++reads;
  }
  EXPECT_EQ(cache.hits() + cache.misses(), reads);
  EXPECT_GE(cache.hits(), found);
}

}  // namespace
}  // namespace berth::meta::cache
