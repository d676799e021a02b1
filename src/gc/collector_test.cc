#include "gc/collector.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "testing/local_stores.h"

namespace berth::gc {
namespace {

constexpr std::chrono::seconds kGrace{3600};

class CollectorTest : public testing::LocalStoresTest {
 protected:
  void SetUp() override {
    LocalStoresTest::SetUp();
    collector_ = std::make_unique<Collector>(*meta_, *blobs_, kGrace, [this] { return now_; });
  }
  void TearDown() override {
    collector_.reset();
    LocalStoresTest::TearDown();
  }

  bool Stored(const oci::Digest& d) { return blobs_->Open(d).has_value(); }

  std::unique_ptr<Collector> collector_;
};

TEST_F(CollectorTest, BytesOfAnUnusedUploadGoAfterTwoGracePeriodsAndUsedOnesStay) {
  const oci::Digest config = Push("config"), layer = Push("layer"), orphan = Push("orphan bytes");
  meta::NewManifest image{.digest = oci::Digest::Sha256Of("m"), .media_type = "application/vnd.oci.image.manifest.v1+json",
                          .payload = "{}", .blobs = {{config, 6}, {layer, 5}}};
  ASSERT_TRUE(meta_->PutManifest(repo_, image, nullptr, now_).has_value());

  now_ += kGrace.count() - 1;  // the upload may still be waiting for its manifest
  CollectReport r = *collector_->Collect();
  EXPECT_EQ(r.links_dropped, 0);
  EXPECT_EQ(r.blobs_deleted, 0);

  now_ += 2;  // its link goes; the blob is garbage from now on, its bytes stay for the grace period
  r = *collector_->Collect();
  EXPECT_EQ(r.links_dropped, 1);
  EXPECT_EQ(r.blobs_marked, 1);
  EXPECT_EQ(r.blobs_deleted, 0);
  EXPECT_TRUE(Stored(orphan));
  EXPECT_EQ(collector_->Estimate()->blobs, 1);

  now_ += kGrace.count() + 1;
  r = *collector_->Collect();
  EXPECT_EQ(r.blobs_deleted, 1);
  EXPECT_EQ(r.bytes_reclaimed, 12);
  EXPECT_FALSE(Stored(orphan));
  EXPECT_TRUE(Stored(config));
  EXPECT_TRUE(Stored(layer));
  EXPECT_EQ(collector_->bytes_reclaimed(), 12u);
  EXPECT_EQ(collector_->Estimate()->blobs, 0);

  // The image goes: so do its blobs, one grace period after their links.
  ASSERT_TRUE(*meta_->DeleteManifest(repo_, image.digest));
  now_ += 1;
  r = *collector_->Collect();
  EXPECT_EQ(r.links_dropped, 2);
  EXPECT_EQ(r.blobs_deleted, 0);
  now_ += kGrace.count() + 1;
  r = *collector_->Collect();
  EXPECT_EQ(r.blobs_deleted, 2);
  EXPECT_FALSE(Stored(config));
  EXPECT_FALSE(Stored(layer));
}

TEST_F(CollectorTest, ADeletionACrashInterruptedIsFinishedFirst) {
  const oci::Digest orphan = Push("orphan");
  now_ += kGrace.count() + 1;
  ASSERT_EQ(*meta_->ExpireUnusedLinks(now_ - kGrace.count(), 10), 1);
  ASSERT_EQ(*meta_->MarkUnreferencedBlobs(now_, 10), 1);
  now_ += kGrace.count() + 1;
  // The collector removed the rows, then died before deleting the bytes.
  ASSERT_EQ(meta_->BeginBlobDeletion(now_ - kGrace.count(), 10)->size(), 1u);
  EXPECT_TRUE(Stored(orphan));
  CollectReport r = *collector_->Collect();
  EXPECT_EQ(r.blobs_deleted, 1);
  EXPECT_FALSE(Stored(orphan));
  EXPECT_TRUE(meta_->PendingBlobDeletions(10)->empty());
}

TEST_F(CollectorTest, AnUploadWhoseBytesWereCollectedFailsCleanly) {
  const oci::Digest orphan = Push("orphan");
  now_ += kGrace.count() + 1;
  ASSERT_EQ(collector_->Collect()->links_dropped, 1);
  // A client publishes the same bytes again (the writer renames over the old file) ...
  std::unique_ptr<blob::BlobWriter> w = *blobs_->NewWriter("again");
  ASSERT_TRUE(w->Append("orphan").has_value());
  ASSERT_TRUE(w->Commit(orphan).has_value());
  ASSERT_TRUE(meta_->CreateUpload({.id = "again", .repository = repo_, .hash_state = "h"}).has_value());
  // ... and the collection deletes them before its metadata commit.
  now_ += kGrace.count() + 1;
  ASSERT_EQ(collector_->Collect()->blobs_deleted, 1);
  Status commit = meta_->CommitUpload("again", orphan, 6, now_, [&]() -> Status {
    if (Stored(orphan)) return {};
    return Fail(Code::kUnavailable, "collected; upload again");
  });
  ASSERT_FALSE(commit.has_value());
  EXPECT_EQ(commit.error().code(), Code::kUnavailable);
  EXPECT_FALSE(meta_->FindBlob(repo_, orphan)->has_value());
}

}  // namespace
}  // namespace berth::gc
