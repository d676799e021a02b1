#include "meta/cache/read_cache.h"

#include <gtest/gtest.h>

namespace berth::meta::cache {
namespace {

ManifestRecord Manifest(char c, size_t size = 10) {
  return ManifestRecord{.digest = oci::Digest::Sha256Of(std::string(1, c)), .media_type = "m",
                        .payload = std::string(size, c)};
}

TEST(ReadCache, ServesNothingUntilEnabled) {
  ReadCache cache(1 << 20);
  cache.Put("k", 1, int64_t{5}, cache.Begin(1));
  EXPECT_FALSE(cache.Get("k", 1).has_value());
  cache.Reset(true);
  cache.Put("k", 1, int64_t{5}, cache.Begin(1));
  EXPECT_EQ(std::get<int64_t>(*cache.Get("k", 1)), 5);
  EXPECT_EQ(cache.hits(), 1u);
}

TEST(ReadCache, AChangeDropsOnlyItsRepository) {
  ReadCache cache(1 << 20);
  cache.Reset(true);
  cache.Put("a", 1, Manifest('a'), cache.Begin(1));
  cache.Put("b", 2, Manifest('b'), cache.Begin(2));
  cache.Changed(1);
  EXPECT_FALSE(cache.Get("a", 1).has_value());
  EXPECT_EQ(std::get<ManifestRecord>(*cache.Get("b", 2)).payload, std::string(10, 'b'));
  cache.Changed(kAllRepositories);
  EXPECT_FALSE(cache.Get("b", 2).has_value());
}

TEST(ReadCache, AnAnswerReadBeforeAChangeIsNotKept) {
  ReadCache cache(1 << 20);
  cache.Reset(true);
  ReadCache::Ticket before = cache.Begin(1);
  cache.Changed(1);  // another node moved a tag while this one read the old one
  cache.Put("t", 1, Manifest('o'), before);
  EXPECT_FALSE(cache.Get("t", 1).has_value());
  ReadCache::Ticket reset = cache.Begin(1);
  cache.Reset(true);  // the feed reconnected: it may have missed changes
  cache.Put("t", 1, Manifest('o'), reset);
  EXPECT_FALSE(cache.Get("t", 1).has_value());
  cache.Reset(false);  // the feed is down: nothing is served
  cache.Put("t", 1, Manifest('n'), cache.Begin(1));
  EXPECT_FALSE(cache.Get("t", 1).has_value());
}

TEST(ReadCache, StaysWithinItsBytesDroppingTheLeastRecentlyUsed) {
  ReadCache cache(64 * 1024);
  cache.Reset(true);
  for (char c = 'a'; c <= 'z'; ++c) cache.Put(std::string(1, c), 1, Manifest(c, 4000), cache.Begin(1));
  EXPECT_LE(cache.bytes(), 64u * 1024);
  EXPECT_TRUE(cache.Get("z", 1).has_value());
  EXPECT_FALSE(cache.Get("a", 1).has_value());
  // An entry larger than an eighth of the budget is never cached.
  cache.Put("huge", 1, Manifest('h', 20000), cache.Begin(1));
  EXPECT_FALSE(cache.Get("huge", 1).has_value());
}

}  // namespace
}  // namespace berth::meta::cache
