#include "blob/blob_store_contract.h"

#include <unistd.h>

#include <algorithm>

namespace berth::blob {

void BlobStoreContract::SetUp() {
  // A parameterised test's name ends in "/<param>": one directory level, not two.
  std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::replace(test.begin(), test.end(), '/', '-');
  root_ = std::filesystem::temp_directory_path() / ("berth-blob-" + std::to_string(getpid()) + "-" + test);
  std::filesystem::remove_all(root_);
  Result<std::unique_ptr<BlobStore>> store = GetParam().open(root_.string());
  ASSERT_TRUE(store.has_value()) << store.error().message();
  store_ = std::move(*store);
}

void BlobStoreContract::TearDown() {
  store_.reset();
  std::filesystem::remove_all(root_);
}

std::string BlobStoreContract::ReadAll(const oci::Digest& d) {
  std::unique_ptr<BlobReader> r = *store_->Open(d);
  std::string out(r->size(), '\0');
  size_t got = *r->ReadAt(0, std::span<char>(out.data(), out.size()));
  out.resize(got);
  return out;
}

namespace {

TEST_P(BlobStoreContract, CommitPublishesUnderTheDigest) {
  std::unique_ptr<BlobWriter> w = *store_->NewWriter("u1");
  ASSERT_TRUE(w->Append("hello ").has_value());
  ASSERT_TRUE(w->Append("world").has_value());
  EXPECT_EQ(w->size(), 11u);
  oci::Digest d = oci::Digest::Sha256Of("hello world");
  ASSERT_TRUE(w->Commit(d).has_value());
  EXPECT_EQ(ReadAll(d), "hello world");
  EXPECT_TRUE(store_->ListUploads(10)->empty());
}

TEST_P(BlobStoreContract, CommitWithWrongDigestPublishesNothing) {
  std::unique_ptr<BlobWriter> w = *store_->NewWriter("u2");
  ASSERT_TRUE(w->Append("hello").has_value());
  oci::Digest other = oci::Digest::Sha256Of("goodbye");
  Result<oci::Digest> r = w->Commit(other);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "DIGEST_INVALID");
  EXPECT_EQ(store_->Open(other).error().code(), Code::kNotFound);
}

TEST_P(BlobStoreContract, ResumedWriterDropsBytesAfterTheCheckpoint) {
  std::string state;
  {
    std::unique_ptr<BlobWriter> w = *store_->NewWriter("u3");
    ASSERT_TRUE(w->Append("hello ").has_value());
    ASSERT_TRUE(w->Checkpoint().has_value());
    state = w->resume_state();
    ASSERT_TRUE(w->Append("garbage from a request that died").has_value());
  }
  std::unique_ptr<BlobWriter> resumed = *store_->ResumeWriter("u3", 6, state);
  ASSERT_TRUE(resumed->Append("world").has_value());
  oci::Digest d = oci::Digest::Sha256Of("hello world");
  ASSERT_TRUE(resumed->Commit(d).has_value());
  EXPECT_EQ(ReadAll(d), "hello world");
}

TEST_P(BlobStoreContract, ResumeRefusesAFileShorterThanItsCheckpoint) {
  std::unique_ptr<BlobWriter> w = *store_->NewWriter("u4");
  ASSERT_TRUE(w->Append("abc").has_value());
  Result<std::unique_ptr<BlobWriter>> resumed = store_->ResumeWriter("u4", 10, w->resume_state());
  ASSERT_FALSE(resumed.has_value());
  EXPECT_EQ(resumed.error().reason(), "BLOB_UPLOAD_UNKNOWN");
}

TEST_P(BlobStoreContract, AnUploadDeletedDuringItsRequestIsUnknownNotAFault) {
  std::unique_ptr<BlobWriter> w = *store_->NewWriter("u5");
  ASSERT_TRUE(w->Append("hello").has_value());
  ASSERT_TRUE(w->Checkpoint().has_value());
  const std::string state = w->resume_state();
  ASSERT_TRUE(store_->DeleteUpload("u5").has_value());
  // Resuming after the delete: the data is gone.
  Result<std::unique_ptr<BlobWriter>> resumed = store_->ResumeWriter("u5", 5, state);
  ASSERT_FALSE(resumed.has_value());
  EXPECT_EQ(resumed.error().reason(), "BLOB_UPLOAD_UNKNOWN");
  // Committing a writer whose checkpointed data was deleted under it publishes nothing. (Bytes
  // never checkpointed may exist only in the writer's memory, where no delete can reach them.)
  std::unique_ptr<BlobWriter> racing = *store_->NewWriter("u6");
  ASSERT_TRUE(racing->Append("bytes").has_value());
  ASSERT_TRUE(racing->Checkpoint().has_value());
  ASSERT_TRUE(store_->DeleteUpload("u6").has_value());
  Result<oci::Digest> committed = racing->Commit(oci::Digest::Sha256Of("bytes"));
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().reason(), "BLOB_UPLOAD_UNKNOWN");
  EXPECT_FALSE(store_->Open(oci::Digest::Sha256Of("bytes")).has_value());
}

TEST_P(BlobStoreContract, ListsUploadsThatHoldData) {
  std::unique_ptr<BlobWriter> a = *store_->NewWriter("up-a");
  ASSERT_TRUE(a->Append("x").has_value());
  ASSERT_TRUE(a->Checkpoint().has_value());
  std::unique_ptr<BlobWriter> b = *store_->NewWriter("up-b");
  ASSERT_TRUE(b->Append("y").has_value());
  ASSERT_TRUE(b->Checkpoint().has_value());
  std::vector<BlobStore::UploadData> all = *store_->ListUploads(10);
  std::vector<std::string> ids;
  for (const BlobStore::UploadData& u : all) {
    ids.push_back(u.id);
    EXPECT_GT(u.written_at, 0);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"up-a", "up-b"}));
  EXPECT_EQ(store_->ListUploads(1)->size(), 1u);
  ASSERT_TRUE(store_->DeleteUpload("up-a").has_value());
  EXPECT_EQ(store_->ListUploads(10)->size(), 1u);
}

TEST_P(BlobStoreContract, SameContentTwiceIsStoredOnce) {
  oci::Digest d = oci::Digest::Sha256Of("same");
  for (std::string id : {"a1", "a2"}) {
    std::unique_ptr<BlobWriter> w = *store_->NewWriter(id);
    ASSERT_TRUE(w->Append("same").has_value());
    ASSERT_TRUE(w->Commit(d).has_value());
  }
  EXPECT_EQ(ReadAll(d), "same");
  EXPECT_TRUE(store_->ListUploads(10)->empty());
}

TEST_P(BlobStoreContract, DeletesAreIdempotentAndUploadIdsAreChecked) {
  oci::Digest d = oci::Digest::Sha256Of("x");
  EXPECT_TRUE(store_->Delete(d).has_value());
  EXPECT_TRUE(store_->DeleteUpload("nope").has_value());
  EXPECT_FALSE(store_->NewWriter("../escape").has_value());
  EXPECT_FALSE(store_->DeleteUpload("a/b").has_value());
}

TEST_P(BlobStoreContract, AlignedBlocksAndOddTailsMakeTheSameBlob) {
  // Aligned whole blocks take the O_DIRECT path, the rest the page cache; the bytes must not care.
  AlignedBuffer buffer(64 * 1024);
  std::span<char> block = buffer.span();
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 7);
  std::string expected;
  std::unique_ptr<BlobWriter> w = *store_->NewWriter("direct");
  for (size_t part : {block.size(), size_t{100}, block.size(), size_t{4096}}) {
    ASSERT_TRUE(w->Append(std::string_view(block.data(), part)).has_value());
    expected.append(block.data(), part);
  }
  ASSERT_TRUE(w->Checkpoint().has_value());
  const std::string state = w->resume_state();
  const uint64_t size = w->size();
  w.reset();
  std::unique_ptr<BlobWriter> resumed = *store_->ResumeWriter("direct", size, state);
  ASSERT_TRUE(resumed->Append(std::string_view(block.data(), block.size())).has_value());
  expected.append(block.data(), block.size());
  oci::Digest d = oci::Digest::Sha256Of(expected);
  ASSERT_TRUE(resumed->Commit(d).has_value());
  EXPECT_EQ(ReadAll(d), expected);
}

TEST_P(BlobStoreContract, ReadAtHonoursOffsets) {
  std::unique_ptr<BlobWriter> w = *store_->NewWriter("r1");
  ASSERT_TRUE(w->Append("0123456789").has_value());
  oci::Digest d = oci::Digest::Sha256Of("0123456789");
  ASSERT_TRUE(w->Commit(d).has_value());
  std::unique_ptr<BlobReader> r = *store_->Open(d);
  char buf[4];
  EXPECT_EQ(*r->ReadAt(8, buf), 2u);
  EXPECT_EQ(std::string_view(buf, 2), "89");
  EXPECT_EQ(*r->ReadAt(10, buf), 0u);
}

}  // namespace
}  // namespace berth::blob
