#include "blob/fs/fs_blob_store.h"

#include "blob/blob_store_contract.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

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

namespace berth::blob::fs {
namespace {

// The archive place on the same file system (a rename) and on another one (tmpfs: a copy).
TEST_F(FsBlobStoreTest, AnUnlinkedFileIsAdoptedAsTheBlobWithoutACopy) {
  const std::string bytes = "adopted bytes";
  const oci::Digest d = oci::Digest::Sha256Of(bytes);
  int fd = ::open(root_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ASSERT_TRUE(store_->Adopt(fd, d).has_value());
  struct stat from{}, to{};
  ASSERT_EQ(::fstat(fd, &from), 0);
  ASSERT_EQ(::stat((root_ / BlobRelativePath(d)).c_str(), &to), 0);
  EXPECT_EQ(from.st_ino, to.st_ino);  // the same file, linked into place
  ::close(fd);
  std::string read(bytes.size(), '\0');
  auto reader = *store_->Open(d);
  EXPECT_EQ(*reader->ReadAt(0, std::span<char>(read.data(), read.size())), bytes.size());
  EXPECT_EQ(read, bytes);
  EXPECT_TRUE(std::filesystem::is_empty(root_ / "uploads"));

  // A file that was never O_TMPFILE cannot be linked back: the caller is told to copy.
  std::string path = (root_ / "plain-XXXXXX").string();
  fd = ::mkstemp(path.data());
  ::unlink(path.c_str());
  Status copy = store_->Adopt(fd, d);
  ASSERT_FALSE(copy.has_value());
  EXPECT_EQ(copy.error().code(), Code::kUnimplemented);
  ::close(fd);
}

class FsArchiveTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(GetParam())) GTEST_SKIP() << GetParam() << " is not here";
    const std::string name = std::to_string(getpid()) + "-" + std::to_string(counter_++);
    root_ = std::filesystem::temp_directory_path() / ("berth-archive-root-" + name);
    archive_ = std::filesystem::path(GetParam()) / ("berth-archive-" + name);
    std::filesystem::remove_all(root_);
    std::filesystem::remove_all(archive_);
    store_ = *OpenFsBlobStore(root_.string(), archive_.string());
  }
  void TearDown() override {
    std::filesystem::remove_all(root_);
    std::filesystem::remove_all(archive_);
  }
  std::string Read(const oci::Digest& d) {
    Result<std::unique_ptr<BlobReader>> r = store_->Open(d);
    if (!r) return "<" + r.error().message() + ">";
    std::string out((*r)->size(), '\0');
    EXPECT_EQ(*(*r)->ReadAt(0, out), out.size());
    return out;
  }

  static inline int counter_ = 0;
  std::filesystem::path root_, archive_;
  std::unique_ptr<BlobStore> store_;
};

TEST_P(FsArchiveTest, ArchivedBytesMoveAndStayReadable) {
  std::unique_ptr<BlobWriter> w = *store_->NewWriter("u1");
  ASSERT_TRUE(w->Append("cold bytes").has_value());
  const oci::Digest d = oci::Digest::Sha256Of("cold bytes");
  ASSERT_TRUE(w->Commit(d).has_value());
  Status moved = store_->MoveToArchive(d);
  ASSERT_TRUE(moved.has_value()) << moved.error().message();
  EXPECT_FALSE(std::filesystem::exists(root_ / BlobRelativePath(d)));
  EXPECT_TRUE(std::filesystem::exists(archive_ / BlobRelativePath(d)));
  EXPECT_EQ(Read(d), "cold bytes");
  ASSERT_TRUE(store_->MoveToArchive(d).has_value());  // again: nothing to do
  ASSERT_TRUE(store_->MoveFromArchive(d).has_value());
  EXPECT_TRUE(std::filesystem::exists(root_ / BlobRelativePath(d)));
  EXPECT_FALSE(std::filesystem::exists(archive_ / BlobRelativePath(d)));
  EXPECT_EQ(Read(d), "cold bytes");
  ASSERT_TRUE(store_->MoveToArchive(d).has_value());
  ASSERT_TRUE(store_->Delete(d).has_value());
  EXPECT_FALSE(store_->Open(d).has_value());
  EXPECT_FALSE(std::filesystem::exists(archive_ / BlobRelativePath(d)));
}

INSTANTIATE_TEST_SUITE_P(Places, FsArchiveTest, ::testing::Values(std::filesystem::temp_directory_path().string(),
                                                                   std::string("/dev/shm")));

}  // namespace
}  // namespace berth::blob::fs
