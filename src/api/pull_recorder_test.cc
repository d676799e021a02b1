#include "api/pull_recorder.h"

#include <gtest/gtest.h>

#include "testing/local_stores.h"

namespace berth::api {
namespace {

class PullRecorderTest : public berth::testing::LocalStoresTest {
 protected:
  // `n` images in the repository, each with the same two blobs.
  std::vector<oci::Digest> Images(int n) {
    const oci::Digest config = Push("config"), layer = Push("layer");
    std::vector<oci::Digest> out;
    for (int i = 0; i < n; ++i) {
      const std::string payload = "{\"i\":" + std::to_string(i) + "}";
      meta::NewManifest m{.digest = oci::Digest::Sha256Of(payload),
                          .media_type = "application/vnd.oci.image.manifest.v1+json",
                          .payload = payload,
                          .blobs = {{config, 6}, {layer, 5}}};
      EXPECT_TRUE(meta_->PutManifest(repo_, m, nullptr, now_).has_value());
      out.push_back(m.digest);
    }
    return out;
  }
  std::optional<int64_t> PulledAt(const oci::Digest& d) { return (*meta_->FindImage(repo_, d))->last_pulled_at; }

  PullRecorder pulls_;
};

TEST_F(PullRecorderTest, ABurstOfPullsIsWrittenInBatchesOnceADay) {
  const std::vector<oci::Digest> images = Images(2500);  // three batches
  for (int round = 0; round < 3; ++round) {
    for (const oci::Digest& d : images) pulls_.Record(repo_, d, now_ + round, "");
  }
  EXPECT_EQ(pulls_.pending(), images.size());
  EXPECT_EQ(*pulls_.Flush(*meta_), 2500);
  EXPECT_EQ(PulledAt(images.front()), now_ + 2);
  EXPECT_EQ(PulledAt(images.back()), now_ + 2);
  // Written today: further pulls are not even kept until tomorrow.
  for (const oci::Digest& d : images) pulls_.Record(repo_, d, now_ + 3600, "");
  EXPECT_EQ(pulls_.pending(), 0u);
  EXPECT_EQ(*pulls_.Flush(*meta_), 0);
  pulls_.Record(repo_, images[7], now_ + PullRecorder::kRecordEvery + 10, "");
  EXPECT_EQ(*pulls_.Flush(*meta_), 1);
  EXPECT_EQ(PulledAt(images[7]), now_ + PullRecorder::kRecordEvery + 10);
}

TEST_F(PullRecorderTest, PullsOnlyByExcludedPrincipalsAreNotRecorded) {
  const std::vector<oci::Digest> images = Images(3);
  const std::string scanner = "arn:aws:iam::123456789012:user/scanner";
  ASSERT_TRUE(meta_->AddPullTimeExclusion(scanner, now_, 10).has_value());
  pulls_.Record(repo_, images[0], now_, scanner);
  pulls_.Record(repo_, images[1], now_, scanner);
  pulls_.Record(repo_, images[1], now_, "arn:aws:iam::123456789012:user/dev");
  pulls_.Record(repo_, images[2], now_, "");  // anonymous: never excluded
  EXPECT_EQ(*pulls_.Flush(*meta_), 2);
  EXPECT_FALSE(PulledAt(images[0]).has_value());
  EXPECT_EQ(PulledAt(images[1]), now_);
  EXPECT_EQ(PulledAt(images[2]), now_);
}

// 600,000 images written today (none exists: the table remembers what was handed to the store)
// are nearly all remembered; a table of single slots forgot one in eight (78,339).
TEST_F(PullRecorderTest, TheWrittenTableRemembersMostOfAMillionImages) {
  constexpr size_t kImages = 600000;
  auto digest = [](size_t i) { return oci::Digest::Sha256Of("image " + std::to_string(i)); };
  for (size_t i = 0; i < kImages; ++i) {
    pulls_.Record(repo_, digest(i), now_, "");
    if (pulls_.pending() == PullRecorder::kMaxPending) {
      ASSERT_EQ(*pulls_.Flush(*meta_), 0);
    }
  }
  ASSERT_EQ(*pulls_.Flush(*meta_), 0);
  for (size_t i = 0; i < kImages; ++i) pulls_.Record(repo_, digest(i), now_ + 60, "");
  EXPECT_LE(pulls_.pending(), kImages / 1000);  // 187 here, where buckets overflowed
}

TEST_F(PullRecorderTest, PendingPullsAreBounded) {
  for (size_t i = 0; i < PullRecorder::kMaxPending + 10; ++i) {
    pulls_.Record(repo_, oci::Digest::Sha256Of(std::to_string(i)), now_, "");
  }
  EXPECT_EQ(pulls_.pending(), PullRecorder::kMaxPending);
  EXPECT_EQ(*pulls_.Flush(*meta_), 0);  // none of them exists
  EXPECT_EQ(pulls_.pending(), 0u);
}

}  // namespace
}  // namespace berth::api
