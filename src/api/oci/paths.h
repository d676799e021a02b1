// api/oci/paths.h
//
// Pure parsing of /v2/ request targets: which endpoint a path names, the repository name (which
// may itself contain '/', so paths are split from the right), query parameters and pagination.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::api::oci {

enum class Endpoint : uint8_t {
  kBase,         // /v2/
  kCatalog,      // /v2/_catalog
  kTags,         // /v2/<name>/tags/list
  kManifest,     // /v2/<name>/manifests/<reference>
  kBlob,         // /v2/<name>/blobs/<digest>
  kUploadStart,  // /v2/<name>/blobs/uploads/
  kUpload,       // /v2/<name>/blobs/uploads/<id>
  kReferrers,    // /v2/<name>/referrers/<digest>
  kUnknown,
};

struct Route {
  Endpoint endpoint = Endpoint::kUnknown;
  std::string_view name;  // unvalidated
  std::string_view ref;   // reference, digest or upload id; unvalidated
};

// REQUIRES: `path` starts with "/v2".
Route ParseRoute(std::string_view path);

// The first value of `key` in an application/x-www-form-urlencoded query, percent-decoded.
// nullopt if absent or malformed.
std::optional<std::string> QueryParam(std::string_view query, std::string_view key);
// Every value of `key`, in order (at most `limit`).
std::vector<std::string> QueryParams(std::string_view query, std::string_view key, size_t limit = 100);

struct PageRequest {
  size_t limit;
  std::string last;
};
inline constexpr size_t kDefaultPageSize = 1000;
inline constexpr size_t kMaxPageSize = 10000;
// Reads `n` (default kDefaultPageSize, capped at kMaxPageSize) and `last`. A non-numeric `n`
// is kInvalidArgument with reason PAGINATION_NUMBER_INVALID.
Result<PageRequest> ParsePage(std::string_view query);

}  // namespace berth::api::oci
