// meta/metadata_store_contract.h
//
// The contract every MetadataStore implementation keeps, as value-parameterised GoogleTest
// tests (metadata_store_contract_test.cc). An implementation's own test file instantiates them
// with a way to open a store in a fresh directory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, MetadataStoreContract,
//                            ::testing::Values(StoreOpener{"sqlite", OpenInDirectory}));
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "meta/metadata_store.h"

namespace berth::meta {

struct StoreOpener {
  std::string name;
  // Opens (or reopens) the store whose files, if it has any, live in `dir`.
  std::function<Result<std::unique_ptr<MetadataStore>>(const std::string& dir)> open;
};

class MetadataStoreContract : public ::testing::TestWithParam<StoreOpener> {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::unique_ptr<MetadataStore> Open();
  void PushBlob(RepositoryId repo, const oci::Digest& digest, uint64_t size);
  NewManifest Image(char config, char layer);

  std::filesystem::path dir_;
  std::unique_ptr<MetadataStore> store_;
  RepositoryId repo_ = 0;
};

inline void PrintTo(const StoreOpener& opener, std::ostream* os) { *os << opener.name; }
inline std::string PrintStoreName(const ::testing::TestParamInfo<StoreOpener>& info) {
  return info.param.name;
}

// For the migration tests of each engine, on a store migrated from a schema whose manifests
// column said repository 3's image `pulled` was pulled at 1234 and `never` never was: both read
// back so, and a pull a day later is recorded.
inline void ExpectPullTimesKeptByTheMove(MetadataStore& store, const std::string& pulled, const std::string& never) {
  auto pulled_at = [&](const std::string& hex) -> std::optional<UnixSeconds> {
    Result<std::optional<ImageRecord>> image = store.FindImage(3, *oci::Digest::Parse("sha256:" + hex));
    if (!image.has_value() || !image->has_value()) return -1;
    return (*image)->last_pulled_at;
  };
  EXPECT_EQ(pulled_at(pulled), 1234);
  EXPECT_EQ(pulled_at(never), std::nullopt);
  const std::vector<PulledImage> later{{3, *oci::Digest::Parse("sha256:" + pulled), 1234 + 86400}};
  EXPECT_EQ(store.RecordPulls(later).value_or(-1), 1);
  EXPECT_EQ(pulled_at(pulled), 1234 + 86400);
}

}  // namespace berth::meta
