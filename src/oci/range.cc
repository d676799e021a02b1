#include "oci/range.h"

#include <optional>
#include <string>

#include "base/strings.h"

namespace berth::oci {
namespace {

std::unexpected<Error> Invalid(std::string_view header, std::string_view why) {
  return Fail(Code::kInvalidArgument,
              "invalid range \"" + std::string(header.substr(0, 100)) + "\": " + std::string(why),
              "RANGE_INVALID");
}

}  // namespace

Result<ByteSpan> ParseRangeHeader(std::string_view header, uint64_t size) {
  std::string_view spec = Trim(header);
  if (!spec.starts_with("bytes=")) return Invalid(header, "only byte ranges are supported");
  spec.remove_prefix(6);
  if (spec.find(',') != std::string_view::npos) {
    return Invalid(header, "multiple ranges are not supported");
  }
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return Invalid(header, "expected first-last");
  std::string_view a = Trim(spec.substr(0, dash)), b = Trim(spec.substr(dash + 1));
  if (a.empty()) {  // suffix range: the last n bytes
    std::optional<uint64_t> n = ParseUint64(b);
    if (!n) return Invalid(header, "malformed suffix length");
    if (*n == 0 || size == 0) return Invalid(header, "unsatisfiable");
    uint64_t len = *n < size ? *n : size;
    return ByteSpan{size - len, size - 1};
  }
  std::optional<uint64_t> first = ParseUint64(a);
  if (!first) return Invalid(header, "malformed first byte");
  uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    std::optional<uint64_t> parsed = ParseUint64(b);
    if (!parsed || *parsed < *first) return Invalid(header, "malformed last byte");
    if (*parsed < last) last = *parsed;
  }
  if (*first >= size) return Invalid(header, "starts beyond the end of the blob");
  return ByteSpan{*first, last};
}

Result<ByteSpan> ParseContentRange(std::string_view header) {
  std::string_view spec = Trim(header);
  if (spec.starts_with("bytes ")) {
    spec.remove_prefix(6);
    spec = spec.substr(0, spec.find('/'));
  } else if (spec.starts_with("bytes=")) {
    spec.remove_prefix(6);
  }
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return Invalid(header, "expected <start>-<end>");
  std::optional<uint64_t> first = ParseUint64(spec.substr(0, dash));
  std::optional<uint64_t> last = ParseUint64(spec.substr(dash + 1));
  if (!first || !last || *last < *first) return Invalid(header, "expected <start>-<end>");
  return ByteSpan{*first, *last};
}

}  // namespace berth::oci
