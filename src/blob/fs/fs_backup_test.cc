#include "blob/fs/fs_backup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "blob/fs/fs_blob_store.h"

namespace berth::blob::fs {
namespace {

class CopyBlobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("berth-copyblobs-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "to");
    store_ = *OpenFsBlobStore((dir_ / "from").string());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  oci::Digest Put(const std::string& content, const std::string& upload) {
    std::unique_ptr<BlobWriter> w = *store_->NewWriter(upload);
    EXPECT_TRUE(w->Append(content).has_value());
    return *w->Commit(oci::Digest::Sha256Of(content));
  }
  std::string ReadCopy(const oci::Digest& d) {
    std::ifstream in(dir_ / "to" / BlobRelativePath(d), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  nlink_t Links(const oci::Digest& d) {
    struct stat st {};
    EXPECT_EQ(::stat((dir_ / "to" / BlobRelativePath(d)).c_str(), &st), 0);
    return st.st_nlink;
  }

  std::filesystem::path dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(CopyBlobsTest, LinksOnTheSameFileSystem) {
  oci::Digest a = Put("first blob", "u1");
  oci::Digest b = Put(std::string(300000, 'x'), "u2");
  Result<CopyStats> stats =
      CopyBlobs((dir_ / "from").string(), (dir_ / "to").string(), {a, b}, CopyMode::kLinkWherePossible);
  ASSERT_TRUE(stats.has_value()) << stats.error().message();
  EXPECT_EQ(stats->linked, 2u);
  EXPECT_EQ(stats->copied, 0u);
  EXPECT_EQ(ReadCopy(a), "first blob");
  EXPECT_EQ(Links(b), 2u);
}

TEST_F(CopyBlobsTest, CopyModeWritesIndependentFiles) {
  const std::string big(3 << 20, 'y');  // several copy_file_range rounds on some kernels
  oci::Digest a = Put(big, "u1");
  Result<CopyStats> stats =
      CopyBlobs((dir_ / "from").string(), (dir_ / "to").string(), {a}, CopyMode::kCopy);
  ASSERT_TRUE(stats.has_value()) << stats.error().message();
  EXPECT_EQ(stats->copied, 1u);
  EXPECT_EQ(stats->bytes_copied, big.size());
  EXPECT_EQ(ReadCopy(a), big);
  EXPECT_EQ(Links(a), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "to" / (BlobRelativePath(a) + ".partial")));
}

TEST_F(CopyBlobsTest, ABlobMissingFromTheSourceIsAnErrorNamingIt) {
  oci::Digest present = Put("here", "u1");
  oci::Digest absent = oci::Digest::Sha256Of("never stored");
  Result<CopyStats> stats = CopyBlobs((dir_ / "from").string(), (dir_ / "to").string(),
                                      {present, absent}, CopyMode::kLinkWherePossible);
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().code(), Code::kNotFound);
  EXPECT_NE(stats.error().message().find(absent.str()), std::string::npos);
}

}  // namespace
}  // namespace berth::blob::fs
