#include "api/oci/paths.h"

#include <algorithm>
#include <cctype>

#include "base/strings.h"

namespace berth::api::oci {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Splits "<name>/<marker>/<rest>" at the last occurrence of "/<marker>/".
bool SplitAt(std::string_view path, std::string_view marker, std::string_view& name,
             std::string_view& rest) {
  size_t pos = path.rfind(marker);
  if (pos == std::string_view::npos || pos == 0) return false;
  name = path.substr(0, pos);
  rest = path.substr(pos + marker.size());
  return true;
}

}  // namespace

Route ParseRoute(std::string_view path) {
  path.remove_prefix(3);  // "/v2"
  if (path.empty() || path == "/") return {Endpoint::kBase, {}, {}};
  if (path.front() != '/') return {};
  path.remove_prefix(1);
  if (path == "_catalog") return {Endpoint::kCatalog, {}, {}};
  std::string_view name, rest;
  if (path.ends_with("/tags/list")) {
    return {Endpoint::kTags, path.substr(0, path.size() - 10), {}};
  }
  if (path.ends_with("/blobs/uploads") || path.ends_with("/blobs/uploads/")) {
    return {Endpoint::kUploadStart, path.substr(0, path.rfind("/blobs/uploads")), {}};
  }
  if (SplitAt(path, "/blobs/uploads/", name, rest) && rest.find('/') == std::string_view::npos) {
    return {Endpoint::kUpload, name, rest};
  }
  if (SplitAt(path, "/manifests/", name, rest) && !rest.empty() &&
      rest.find('/') == std::string_view::npos) {
    return {Endpoint::kManifest, name, rest};
  }
  if (SplitAt(path, "/blobs/", name, rest) && !rest.empty() &&
      rest.find('/') == std::string_view::npos) {
    return {Endpoint::kBlob, name, rest};
  }
  if (SplitAt(path, "/referrers/", name, rest) && !rest.empty() &&
      rest.find('/') == std::string_view::npos) {
    return {Endpoint::kReferrers, name, rest};
  }
  return {};
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view key) {
  std::vector<std::string> all = QueryParams(query, key, 1);
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

std::vector<std::string> QueryParams(std::string_view query, std::string_view key, size_t limit) {
  std::vector<std::string> out;
  while (!query.empty() && out.size() < limit) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    if (k != key) continue;
    // A malformed value counts as absent, as QueryParam has always read it.
    if (std::optional<std::string> v = PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1))) {
      out.push_back(std::move(*v));
    }
  }
  return out;
}

Result<PageRequest> ParsePage(std::string_view query) {
  PageRequest page{kDefaultPageSize, {}};
  if (std::optional<std::string> n = QueryParam(query, "n")) {
    std::optional<uint64_t> parsed = ParseUint64(*n);
    if (!parsed && !n->empty() && n->find_first_not_of("0123456789") == std::string::npos) {
      parsed = kMaxPageSize;  // too many digits for uint64: just a very large request
    }
    if (!parsed) {
      return Fail(Code::kInvalidArgument, "n must be a non-negative integer",
                  "PAGINATION_NUMBER_INVALID");
    }
    page.limit = *parsed > kMaxPageSize ? kMaxPageSize : static_cast<size_t>(*parsed);
  }
  if (std::optional<std::string> last = QueryParam(query, "last")) page.last = std::move(*last);
  // Names and tags are ASCII, so a `last` with any other byte sorts after every one of them:
  // the page is empty. (Answered here, since PostgreSQL refuses such bytes as text.)
  if (std::any_of(page.last.begin(), page.last.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    page.limit = 0;
  }
  return page;
}

}  // namespace berth::api::oci
