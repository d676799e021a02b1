#include "blob/fs/fs_blob_store.h"

#include "blob/blob_store_contract.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

namespace berth::blob::fs {
namespace {

INSTANTIATE_TEST_SUITE_P(Fs, BlobStoreContract,
                         ::testing::Values(BlobStoreOpener{"fs", [](const std::string& root) {
                           return OpenFsBlobStore(root);
                         }}),
                         PrintBlobStoreName);

class FsBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("berth-blob-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    store_ = *OpenFsBlobStore(root_.string());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::filesystem::path root_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(FsBlobStoreTest, BlobsLiveUnderTheirDigestAndUploadsLeaveNoFile) {
  std::unique_ptr<BlobWriter> w = *store_->NewWriter("u1");
  ASSERT_TRUE(w->Append("hello world").has_value());
  EXPECT_TRUE(std::filesystem::exists(root_ / "uploads/u1"));
  oci::Digest d = oci::Digest::Sha256Of("hello world");
  ASSERT_TRUE(w->Commit(d).has_value());
  EXPECT_FALSE(std::filesystem::exists(root_ / "uploads/u1"));
  EXPECT_TRUE(std::filesystem::exists(root_ / BlobRelativePath(d)));
  EXPECT_TRUE(std::filesystem::exists(root_ / "blobs/sha256" / std::string(d.hex().substr(0, 2)) /
                                      std::string(d.hex())));
  // Readers hand out their descriptor, for sendfile().
  EXPECT_GE((*store_->Open(d))->native_fd(), 0);
}

}  // namespace
}  // namespace berth::blob::fs
