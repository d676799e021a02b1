// scan/pull_gate.h
//
// Refusing pulls of vulnerable images (beyond ECR; Harbor's "prevent vulnerable images from
// running"): a threshold severity and a list of excepted advisories, for the registry (account
// settings BERTH_PULL_BLOCK_SEVERITY and BERTH_PULL_BLOCK_EXCEPTIONS) or one repository (its
// resource tags berth:pull-block-severity and berth:pull-block-exceptions, which win). A
// manifest whose last scan has a finding at or above the threshold that is not excepted (by
// its id or an alias) is refused as DENIED naming the findings; an image not scanned yet is
// served.
//
// Thread-safe. BlockFor is on the manifest GET path: it takes no lock and copies nothing. The
// registry settings are read at construction and again at most every few seconds, by the one
// caller that finds them due while the others use the last ones read.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "base/error.h"
#include "meta/metadata_store.h"
#include "scan/cvss.h"

namespace berth::scan {

inline constexpr std::string_view kPullBlockSeveritySetting = "BERTH_PULL_BLOCK_SEVERITY";
inline constexpr std::string_view kPullBlockExceptionsSetting = "BERTH_PULL_BLOCK_EXCEPTIONS";
inline constexpr std::string_view kPullBlockSeverityTag = "berth:pull-block-severity";
inline constexpr std::string_view kPullBlockExceptionsTag = "berth:pull-block-exceptions";

struct PullBlock {
  Severity threshold = Severity::kUndefined;  // kUndefined: nothing is refused
  std::set<std::string> exceptions;
};

// "NONE", "LOW" .. "CRITICAL"; kInvalidArgument otherwise.
Result<Severity> ParseBlockSeverity(std::string_view text);
// Advisory ids separated by spaces or commas; kInvalidArgument naming a malformed one.
Result<std::set<std::string>> ParseBlockExceptions(std::string_view text);

class PullGate {
 public:
  PullGate(meta::MetadataStore& store, std::function<int64_t()> clock);

  // The repository's block, or the registry's when the repository sets none.
  Result<std::shared_ptr<const PullBlock>> BlockFor(meta::RepositoryId repo);
  // The same for a repository whose access the caller has read already.
  std::shared_ptr<const PullBlock> BlockFor(const meta::RepositoryAccess& access);
  // DENIED when the image's findings reach `block`; blocking (reads the scan).
  Status Check(meta::RepositoryId repo, const oci::Digest& digest, const PullBlock& block);

 private:
  std::shared_ptr<const PullBlock> RegistryBlock();
  void RefreshRegistryBlock(int64_t now);

  meta::MetadataStore& store_;
  std::function<int64_t()> clock_;
  std::atomic<std::shared_ptr<const PullBlock>> registry_;
  std::atomic<int64_t> registry_read_at_{0};
  std::mutex refresh_mu_;
};

}  // namespace berth::scan
