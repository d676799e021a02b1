#include "blob/s3/s3_blob_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "blob/blob_store_contract.h"
#include "crypto/random.h"

namespace berth::blob::s3 {
namespace {

// What tests/s3/start.sh wrote (the CTest fixture): the endpoint, keys and bucket.
std::map<std::string, std::string> TestStore() {
  const char* file = std::getenv("BERTH_TEST_S3_ENV_FILE");
  std::map<std::string, std::string> env;
  if (file == nullptr) return env;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

Result<berth::s3::Settings> SettingsFor(const std::string& prefix) {
  std::map<std::string, std::string> env = TestStore();
  if (env.empty()) return Fail(Code::kFailedPrecondition, "BERTH_TEST_S3_ENV_FILE names no S3 store");
  std::map<std::string, std::string> values = {{"AWS_ENDPOINT_URL", env["S3_ENDPOINT"]},
                                               {"AWS_REGION", env["S3_REGION"]},
                                               {"AWS_ACCESS_KEY_ID", env["S3_ACCESS_KEY"]},
                                               {"AWS_SECRET_ACCESS_KEY", env["S3_SECRET_KEY"]}};
  return berth::s3::Resolve("s3://" + env["S3_BUCKET"] + "/" + prefix,
                            [&](std::string_view name) -> std::optional<std::string> {
                              auto it = values.find(std::string(name));
                              if (it == values.end()) return std::nullopt;
                              return it->second;
                            });
}

// Each test gets its own prefix in the shared bucket.
Result<std::unique_ptr<BlobStore>> OpenUnder(const std::string& root, S3StoreOptions options = {}) {
  std::string prefix = "t-" + std::filesystem::path(root).filename().string() + "-" + crypto::RandomUuid();
  BERTH_ASSIGN(berth::s3::Settings settings, SettingsFor(prefix));
  return OpenS3BlobStore(std::move(settings), options);
}

INSTANTIATE_TEST_SUITE_P(S3, BlobStoreContract,
                         ::testing::Values(BlobStoreOpener{"s3", [](const std::string& root) {
                           return OpenUnder(root);
                         }}),
                         PrintBlobStoreName);

std::string Pattern(size_t size, int seed) {
  std::string out(size, '\0');
  uint32_t x = static_cast<uint32_t>(seed) * 2654435761u + 1;
  for (char& c : out) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

std::string ReadWhole(BlobStore& store, const oci::Digest& d, size_t chunk) {
  std::unique_ptr<BlobReader> r = *store.Open(d);
  std::string out;
  std::string buf(chunk, '\0');
  while (true) {
    Result<size_t> n = r->ReadAt(out.size(), std::span<char>(buf.data(), buf.size()));
    EXPECT_TRUE(n.has_value());
    if (!n || *n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

TEST(S3BlobStore, AChunkedUploadMovesBetweenNodesAndCommitsInParts) {
  // Two stores on one prefix stand for two nodes; the session state travels as the metadata
  // store would carry it.
  S3StoreOptions options{.part_bytes = 5 << 20, .max_single_copy_bytes = 6 << 20, .copy_part_bytes = 5 << 20};
  berth::s3::Settings settings = *SettingsFor("t-nodes-" + crypto::RandomUuid());
  std::unique_ptr<BlobStore> node_a = *OpenS3BlobStore(settings, options);
  std::unique_ptr<BlobStore> node_b = *OpenS3BlobStore(settings, options);
  const std::string blob = Pattern(13 << 20, 1);  // three parts; copied in three ranges
  const oci::Digest digest = oci::Digest::Sha256Of(blob);

  std::unique_ptr<BlobWriter> w = *node_a->NewWriter("moving");
  ASSERT_TRUE(w->Append(std::string_view(blob).substr(0, 3 << 20)).has_value());
  ASSERT_TRUE(w->Checkpoint().has_value());  // 3 MiB: a tail object only
  std::string state = w->resume_state();
  uint64_t size = w->size();
  w.reset();
  EXPECT_EQ(node_b->ListUploads(10)->size(), 1u);

  w = *node_b->ResumeWriter("moving", size, state);
  ASSERT_TRUE(w->Append(std::string_view(blob).substr(size, 4 << 20)).has_value());
  EXPECT_TRUE(w->flush_due());
  ASSERT_TRUE(w->Flush().has_value());
  EXPECT_FALSE(w->flush_due());
  ASSERT_TRUE(w->Append(std::string_view(blob).substr(7 << 20, 2 << 20)).has_value());
  ASSERT_TRUE(w->Checkpoint().has_value());  // one part sent, 2 MiB in a tail
  state = w->resume_state();
  size = w->size();
  // A request that died after the checkpoint sent more; the next one starts from the state.
  ASSERT_TRUE(w->Append(Pattern(6 << 20, 9)).has_value());
  ASSERT_TRUE(w->Flush().has_value());
  w.reset();

  w = *node_a->ResumeWriter("moving", size, state);
  ASSERT_TRUE(w->Append(std::string_view(blob).substr(size)).has_value());
  ASSERT_TRUE(w->Commit(digest).has_value());
  EXPECT_EQ(ReadWhole(*node_b, digest, 1 << 20), blob);
  EXPECT_TRUE(node_a->ListUploads(10)->empty());
}

TEST(S3BlobStore, ReadsAnywhereInABlob) {
  std::unique_ptr<BlobStore> store = *OpenUnder("ranges");
  const std::string blob = Pattern(300000, 2);
  const oci::Digest digest = oci::Digest::Sha256Of(blob);
  std::unique_ptr<BlobWriter> w = *store->NewWriter("r");
  ASSERT_TRUE(w->Append(blob).has_value());
  ASSERT_TRUE(w->Commit(digest).has_value());
  std::unique_ptr<BlobReader> r = *store->Open(digest);
  EXPECT_TRUE(r->blocking());
  EXPECT_EQ(r->size(), blob.size());
  char buf[1000];
  for (uint64_t offset : {uint64_t{299500}, uint64_t{10}, uint64_t{1010}, uint64_t{150000}}) {
    size_t n = *r->ReadAt(offset, buf);
    ASSERT_EQ(n, std::min<size_t>(sizeof buf, blob.size() - offset));
    EXPECT_EQ(std::string_view(buf, n), std::string_view(blob).substr(offset, n)) << offset;
  }
  EXPECT_EQ(*r->ReadAt(blob.size(), buf), 0u);
  EXPECT_EQ(ReadWhole(*store, digest, 65536), blob);
}

TEST(S3BlobStore, PresignsReadableUrls) {
  std::unique_ptr<BlobStore> store = *OpenUnder("presign");
  const oci::Digest digest = oci::Digest::Sha256Of("presigned");
  std::unique_ptr<BlobWriter> w = *store->NewWriter("p");
  ASSERT_TRUE(w->Append("presigned").has_value());
  ASSERT_TRUE(w->Commit(digest).has_value());
  std::optional<std::string> url = store->PresignedUrl(digest, std::chrono::seconds(60));
  ASSERT_TRUE(url.has_value());
  EXPECT_NE(url->find("X-Amz-Signature="), std::string::npos);
  // Fetched by the e2e tests with curl; here: the URL names the blob's key.
  EXPECT_NE(url->find("/blobs/sha256/" + std::string(digest.hex()) + "?"), std::string::npos);
}

TEST(S3BlobStore, RefusesAMissingBucketAndWrongKeys) {
  std::map<std::string, std::string> env = TestStore();
  ASSERT_FALSE(env.empty());
  berth::s3::Settings settings = *SettingsFor("x");
  settings.bucket = "no-such-bucket-here";
  Result<std::unique_ptr<BlobStore>> missing = OpenS3BlobStore(settings);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("does not exist"), std::string::npos);
  settings = *SettingsFor("x");
  settings.key.secret_access_key = "wrong";
  Result<std::unique_ptr<BlobStore>> refused = OpenS3BlobStore(settings);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("refused"), std::string::npos);
}

TEST(S3BlobStore, AnUnreachableStoreIsUnavailable) {
  berth::s3::Settings settings = *SettingsFor("x");
  settings.endpoint.port = 1;  // nothing listens
  Result<std::unique_ptr<BlobStore>> store = OpenS3BlobStore(settings);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace berth::blob::s3
