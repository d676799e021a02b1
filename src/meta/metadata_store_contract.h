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

}  // namespace berth::meta
