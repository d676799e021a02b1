// testing/local_stores.h
//
// A fixture for tests of code that works on both stores (garbage collection, scanning): a fresh
// directory per test with a SQLite metadata store and a file blob store, one repository, a clock
// the test moves, and Push(), which stores bytes and commits them to the repository as a push does.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "blob/fs/fs_blob_store.h"
#include "meta/sqlite/sqlite_store.h"

namespace berth::testing {

class LocalStoresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("berth-test-" + std::to_string(getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "blobs");
    meta_ = *meta::sqlite::OpenSqliteStore((dir_ / "meta.db").string());
    blobs_ = *blob::fs::OpenFsBlobStore((dir_ / "blobs").string());
    repo_ = *meta_->CreateRepositoryIfMissing("team/app", now_);
  }
  void TearDown() override {
    meta_.reset();
    blobs_.reset();
    std::filesystem::remove_all(dir_);
  }

  oci::Digest Push(const std::string& bytes) {
    const oci::Digest digest = oci::Digest::Sha256Of(bytes);
    const std::string id = "u" + std::to_string(++uploads_);
    std::unique_ptr<blob::BlobWriter> w = *blobs_->NewWriter(id);
    EXPECT_TRUE(w->Append(bytes).has_value());
    EXPECT_TRUE(w->Commit(digest).has_value());
    EXPECT_TRUE(meta_->CreateUpload({.id = id, .repository = repo_, .hash_state = "h"}).has_value());
    EXPECT_TRUE(meta_->CommitUpload(id, digest, bytes.size(), now_, [] { return Status{}; }).has_value());
    return digest;
  }

  std::filesystem::path dir_;
  std::unique_ptr<meta::MetadataStore> meta_;
  std::unique_ptr<blob::BlobStore> blobs_;
  meta::RepositoryId repo_ = 0;
  int64_t now_ = 1'000'000;
  int uploads_ = 0;
};

}  // namespace berth::testing
