#include "blob/sequential_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "blob/fs/fs_blob_store.h"
#include "oci/digest.h"

namespace berth::blob {
namespace {

// A blob in memory: no descriptor, so every read goes through ReadAt.
class MemoryReader final : public BlobReader {
 public:
  explicit MemoryReader(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    const size_t n = std::min<uint64_t>(out.size(), bytes_.size() - offset);
    std::copy_n(bytes_.data() + offset, n, out.data());
    return n;
  }

 private:
  std::string bytes_;
};

std::string Drain(SequentialReader& r) {
  std::string out;
  while (true) {
    Result<std::span<const char>> chunk = r.Next();
    EXPECT_TRUE(chunk.has_value());
    if (!chunk || chunk->empty()) return out;
    out.append(chunk->data(), chunk->size());
  }
}

std::string RandomBytes(size_t n) {
  std::mt19937 rng(static_cast<unsigned>(n));
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(SequentialReader, ReadsAStoredBlobWholeWhateverItsSize) {
  const std::filesystem::path root = std::filesystem::temp_directory_path() / ("berth-seq-" + std::to_string(getpid()));
  std::filesystem::remove_all(root);
  Result<std::unique_ptr<BlobStore>> store = fs::OpenFsBlobStore(root.string(), "");
  ASSERT_TRUE(store.has_value()) << store.error().message();
  // Around the chunk and block sizes: one byte, a block, a block and one, chunks and a tail.
  for (size_t size : {size_t{1}, size_t{4096}, size_t{4097}, size_t{(1 << 20) * 3 + 123}}) {
    const std::string bytes = RandomBytes(size);
    const oci::Digest digest = oci::Digest::Sha256Of(bytes);
    Result<std::unique_ptr<BlobWriter>> w = (*store)->NewWriter("u" + std::to_string(size));
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE((*w)->Append(bytes).has_value());
    ASSERT_TRUE((*w)->Commit(digest).has_value());
    Result<std::unique_ptr<BlobReader>> reader = (*store)->Open(digest);
    ASSERT_TRUE(reader.has_value());
    SequentialReader seq(**reader);
    EXPECT_EQ(Drain(seq), bytes) << size;
    EXPECT_EQ(seq.offset(), size);
  }
  std::filesystem::remove_all(root);
}

TEST(SequentialReader, ReadsThroughReadAtWithoutADescriptorAndNoticesAShortBlob) {
  const std::string bytes = RandomBytes(2'500'000);
  MemoryReader memory(bytes);
  SequentialReader seq(memory, 1 << 20);
  EXPECT_EQ(Drain(seq), bytes);

  class ShortReader final : public BlobReader {
   public:
    uint64_t size() const override { return 10; }
    Result<size_t> ReadAt(uint64_t offset, std::span<char>) override { return offset == 0 ? 4 : 0; }
  } short_reader;
  SequentialReader broken(short_reader);
  ASSERT_TRUE(broken.Next().has_value());
  Result<std::span<const char>> next = broken.Next();
  ASSERT_FALSE(next.has_value());
  EXPECT_EQ(next.error().code(), Code::kInternal);
}

}  // namespace
}  // namespace berth::blob
