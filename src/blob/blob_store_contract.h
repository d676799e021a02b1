// blob/blob_store_contract.h
//
// The contract every BlobStore implementation keeps, as value-parameterised GoogleTest tests
// (blob_store_contract_test.cc), instantiated by each implementation's test file with a way to
// open a store rooted in a fresh directory (or prefix).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "blob/blob_store.h"

namespace berth::blob {

struct BlobStoreOpener {
  std::string name;
  std::function<Result<std::unique_ptr<BlobStore>>(const std::string& root)> open;
};

class BlobStoreContract : public ::testing::TestWithParam<BlobStoreOpener> {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::string ReadAll(const oci::Digest& d);

  std::filesystem::path root_;
  std::unique_ptr<BlobStore> store_;
};

inline void PrintTo(const BlobStoreOpener& opener, std::ostream* os) { *os << opener.name; }
inline std::string PrintBlobStoreName(const ::testing::TestParamInfo<BlobStoreOpener>& info) {
  return info.param.name;
}

}  // namespace berth::blob
