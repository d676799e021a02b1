// oci/range.h
//
// The two byte-range headers of the blob API: a client's `Range: bytes=...` on blob GET, and the
// `Content-Range: <start>-<end>` of a chunked upload PATCH. Pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/error.h"

namespace berth::oci {

// A resolved, satisfiable byte range [first, last] of a blob.
struct ByteSpan {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
  friend bool operator==(const ByteSpan&, const ByteSpan&) = default;
};

// Resolves a single-range `Range` header against a blob of `size` bytes: "bytes=a-b", "bytes=a-",
// "bytes=-n". Errors (reason RANGE_INVALID) for malformed, multi-range or unsatisfiable ranges.
Result<ByteSpan> ParseRangeHeader(std::string_view header, uint64_t size);

// Parses an upload chunk's `Content-Range`: "a-b" as the OCI spec writes it, or the RFC 9110 form
// "bytes a-b/total" some clients send. Reason RANGE_INVALID when malformed or when b < a.
Result<ByteSpan> ParseContentRange(std::string_view header);

}  // namespace berth::oci
