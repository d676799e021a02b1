#include "cache/blob_fetches.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <condition_variable>
#include <random>

#include "testing/local_stores.h"

namespace berth::cache {
namespace {

// An upstream's answer: `bytes` in pieces, holding back everything past `hold_at` until released.
class FakeBody final : public http::ClientResponse {
 public:
  FakeBody(std::string bytes, size_t piece, uint64_t announced) : bytes_(std::move(bytes)), piece_(piece) {
    status = 200;
    content_length = announced;
  }
  Result<size_t> Read(std::span<char> out) override {
    std::unique_lock lock(mu_);
    released_.wait(lock, [&] { return at_ < hold_at_; });
    const size_t n = std::min({out.size(), piece_, bytes_.size() - at_, static_cast<size_t>(hold_at_ - at_)});
    std::memcpy(out.data(), bytes_.data() + at_, n);
    at_ += n;
    return n;
  }
  void HoldAt(uint64_t at) {
    std::lock_guard lock(mu_);
    hold_at_ = at;
    released_.notify_all();
  }

 private:
  std::string bytes_;
  size_t piece_;
  std::mutex mu_;
  std::condition_variable released_;
  size_t at_ = 0;
  uint64_t hold_at_ = UINT64_MAX;
};

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(n);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class BlobFetchesTest : public testing::LocalStoresTest {
 protected:
  void SetUp() override {
    LocalStoresTest::SetUp();
    fetches_ = std::make_unique<BlobFetches>(*meta_, *blobs_,
                                             BlobFetchesOptions{.spool_dir = (dir_ / "blobs").string(), .node_id = "n"},
                                             [this] { return now_; });
  }
  void TearDown() override {
    fetches_.reset();
    LocalStoresTest::TearDown();
  }
  std::string ReadAll(const BlobFetch& fetch, uint64_t from = 0) {
    std::string out;
    std::vector<char> chunk(300 * 1024);
    for (uint64_t at = from;;) {
      Result<size_t> n = fetch.ReadAt(at, std::span<char>(chunk.data(), chunk.size()));
      EXPECT_TRUE(n.has_value());
      if (!n || *n == 0) return out;
      out.append(chunk.data(), *n);
      at += *n;
    }
  }
  std::unique_ptr<BlobFetches> fetches_;
};

TEST_F(BlobFetchesTest, OneDownloadPerDigestServesEveryRepositoryAndIsStoredWhole) {
  const std::string bytes = RandomBytes(20 << 20);  // more than the ring holds
  const oci::Digest digest = oci::Digest::Sha256Of(bytes);
  const meta::RepositoryId other = *meta_->CreateRepositoryIfMissing("team/other", now_);
  std::atomic<int> opened{0};
  auto open = [&]() -> Result<std::unique_ptr<http::ClientResponse>> {
    opened++;
    return std::unique_ptr<http::ClientResponse>(new FakeBody(bytes, 100 * 1024, bytes.size()));
  };
  std::shared_ptr<BlobFetch> first = fetches_->Join(repo_, digest, open);
  std::shared_ptr<BlobFetch> second = fetches_->Join(other, digest, open);
  ASSERT_TRUE(first->WaitFinished().has_value());
  EXPECT_EQ(first, second);
  EXPECT_EQ(opened.load(), 1);
  EXPECT_EQ(fetches_->downloads(), 1u);
  // Read back from the spool (offset 0 left the ring long ago).
  EXPECT_EQ(ReadAll(*first), bytes);
  EXPECT_EQ(ReadAll(*first, bytes.size() - 1000), bytes.substr(bytes.size() - 1000));
  EXPECT_EQ(*meta_->FindBlob(repo_, digest), bytes.size());
  EXPECT_EQ(*meta_->FindBlob(other, digest), bytes.size());
  std::unique_ptr<blob::BlobReader> stored = *blobs_->Open(digest);
  std::string back(bytes.size(), '\0');
  size_t got = 0;
  while (got < back.size()) got += *stored->ReadAt(got, std::span<char>(back.data() + got, back.size() - got));
  EXPECT_EQ(back, bytes);
  // The spool became the blob: no upload file is left behind.
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "blobs" / "uploads"));
}

TEST_F(BlobFetchesTest, PullsReadTheRingWhileTheyKeepUpAndTheSpoolWhenBehind) {
  const std::string bytes = RandomBytes(24 << 20);
  const oci::Digest digest = oci::Digest::Sha256Of(bytes);
  FakeBody* body = new FakeBody(bytes, 64 * 1024, bytes.size());
  body->HoldAt(14 << 20);
  std::shared_ptr<BlobFetch> fetch =
      fetches_->Join(repo_, digest, [body]() -> Result<std::unique_ptr<http::ClientResponse>> {
        return std::unique_ptr<http::ClientResponse>(body);
      });
  while (fetch->state().written < (14u << 20)) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  // What has arrived is readable at once: the start from the spool, the end from the ring.
  std::string early(1 << 20, '\0');
  ASSERT_EQ(*fetch->ReadAt(0, std::span<char>(early.data(), early.size())), early.size());
  EXPECT_EQ(early, bytes.substr(0, early.size()));
  std::string recent(4096, '\0');
  ASSERT_EQ(*fetch->ReadAt((14 << 20) - 4096, std::span<char>(recent.data(), recent.size())), recent.size());
  EXPECT_EQ(recent, bytes.substr((14 << 20) - 4096, 4096));
  // Nothing past what arrived.
  EXPECT_EQ(*fetch->ReadAt(14 << 20, std::span<char>(recent.data(), recent.size())), 0u);
  EXPECT_FALSE(fetch->state().finished);
  body->HoldAt(UINT64_MAX);
  ASSERT_TRUE(fetch->WaitFinished().has_value());
  EXPECT_EQ(ReadAll(*fetch), bytes);
}

TEST_F(BlobFetchesTest, BytesThatDoNotHashToTheDigestAreRefusedAndNothingIsStored) {
  const std::string bytes = RandomBytes(3 << 20);
  const oci::Digest wrong = oci::Digest::Sha256Of("something else");
  std::shared_ptr<BlobFetch> fetch = fetches_->Join(repo_, wrong, [&]() -> Result<std::unique_ptr<http::ClientResponse>> {
    return std::unique_ptr<http::ClientResponse>(new FakeBody(bytes, 1 << 20, bytes.size()));
  });
  Status done = fetch->WaitFinished();
  ASSERT_FALSE(done.has_value());
  EXPECT_NE(done.error().message().find("do not hash"), std::string::npos);
  EXPECT_FALSE(meta_->FindBlob(repo_, wrong)->has_value());

  // A body shorter than it announced fails too, and the next pull downloads again.
  const oci::Digest digest = oci::Digest::Sha256Of(bytes);
  fetch = fetches_->Join(repo_, digest, [&]() -> Result<std::unique_ptr<http::ClientResponse>> {
    return std::unique_ptr<http::ClientResponse>(new FakeBody(bytes.substr(0, 1000), 1 << 20, bytes.size()));
  });
  ASSERT_FALSE(fetch->WaitFinished().has_value());
  fetch = fetches_->Join(repo_, digest, [&]() -> Result<std::unique_ptr<http::ClientResponse>> {
    return std::unique_ptr<http::ClientResponse>(new FakeBody(bytes, 1 << 20, bytes.size()));
  });
  ASSERT_TRUE(fetch->WaitFinished().has_value());
  EXPECT_EQ(*meta_->FindBlob(repo_, digest), bytes.size());
}

}  // namespace
}  // namespace berth::cache
