#include "api/pull_recorder.h"

#include <gtest/gtest.h>

#include <functional>

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
  const std::vector<oci::Digest> images = Images(2500);  // one batch, some forty of the store's steps
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

// The store as a flush sees it, with a hook inside RecordPulls: there a manifest GET on an I/O
// thread may record a pull while the store writes. Everything else is the store's.
class CatalogWithHook : public meta::ImageCatalog {
 public:
  CatalogWithHook(meta::ImageCatalog& store, std::function<Status()> hook) : store_(store), hook_(std::move(hook)) {}
  Result<int64_t> RecordPulls(std::span<const meta::PulledImage> pulls) override {
    BERTH_TRY(hook_());
    return store_.RecordPulls(pulls);
  }
  Result<std::vector<std::pair<std::string, meta::UnixSeconds>>> ListPullTimeExclusions() override {
    return store_.ListPullTimeExclusions();
  }
  Result<std::vector<meta::ImageRecord>> ListImages(meta::RepositoryId repo, std::string_view after, size_t limit) override {
    return store_.ListImages(repo, after, limit);
  }
  Result<std::optional<meta::ImageRecord>> FindImage(meta::RepositoryId repo, const oci::Digest& digest) override {
    return store_.FindImage(repo, digest);
  }
  Result<bool> IsReferencedByIndex(meta::RepositoryId repo, const oci::Digest& digest) override {
    return store_.IsReferencedByIndex(repo, digest);
  }
  Result<std::vector<meta::RepositoryUsage>> ListRepositoryUsage(std::string_view after, size_t limit) override {
    return store_.ListRepositoryUsage(after, limit);
  }
  Result<bool> RecordUsageSample(meta::UnixSeconds taken_at, meta::UnixSeconds keep_after) override {
    return store_.RecordUsageSample(taken_at, keep_after);
  }
  Result<std::vector<meta::UsageSample>> ListUsageSamples(meta::UnixSeconds since, size_t limit) override {
    return store_.ListUsageSamples(since, limit);
  }
  Result<bool> SetStorageClass(meta::RepositoryId repo, const oci::Digest& digest, bool archive,
                               meta::UnixSeconds now) override {
    return store_.SetStorageClass(repo, digest, archive, now);
  }
  Result<std::vector<oci::Digest>> ImageBlobs(meta::RepositoryId repo, const oci::Digest& digest,
                                              bool only_archived_use) override {
    return store_.ImageBlobs(repo, digest, only_archived_use);
  }
  Status AddPullTimeExclusion(std::string_view arn, meta::UnixSeconds now, size_t max) override {
    return store_.AddPullTimeExclusion(arn, now, max);
  }
  Result<bool> RemovePullTimeExclusion(std::string_view arn) override { return store_.RemovePullTimeExclusion(arn); }
  Result<std::optional<std::string>> GetSetting(std::string_view name) override { return store_.GetSetting(name); }
  Status PutSetting(std::string_view name, std::string_view value) override { return store_.PutSetting(name, value); }

 private:
  meta::ImageCatalog& store_;
  std::function<Status()> hook_;
};

TEST_F(PullRecorderTest, PullsWhileTheirImagesAreBeingWrittenAreNotKeptToBeWrittenAgain) {
  const std::vector<oci::Digest> images = Images(3);
  for (const oci::Digest& d : images) pulls_.Record(repo_, d, now_, "");
  CatalogWithHook catalog(*meta_, [&]() -> Status {
    for (const oci::Digest& d : images) pulls_.Record(repo_, d, now_ + 1, "");
    return {};
  });
  EXPECT_EQ(*pulls_.Flush(catalog), 3);
  EXPECT_EQ(pulls_.pending(), 0u);
  EXPECT_EQ(PulledAt(images[0]), now_);
}

TEST_F(PullRecorderTest, AFailedWriteForgetsItsImagesSoTheirNextPullsAreWritten) {
  const std::vector<oci::Digest> images = Images(3);
  for (const oci::Digest& d : images) pulls_.Record(repo_, d, now_, "");
  CatalogWithHook failing(*meta_, []() -> Status { return Fail(Code::kUnavailable, "the store is down"); });
  EXPECT_FALSE(pulls_.Flush(failing).has_value());
  EXPECT_FALSE(PulledAt(images[0]).has_value());
  for (const oci::Digest& d : images) pulls_.Record(repo_, d, now_ + 5, "");
  EXPECT_EQ(pulls_.pending(), images.size());
  EXPECT_EQ(*pulls_.Flush(*meta_), 3);
  EXPECT_EQ(PulledAt(images[2]), now_ + 5);
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
