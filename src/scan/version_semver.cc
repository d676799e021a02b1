// Semantic Versioning 2.0.0 §11, as npm's and Go's module versions use it: major, minor and
// patch numerically, a pre-release below its release, pre-release identifiers compared one by
// one (numbers numerically and below words), build metadata (+incompatible, +build) ignored.
// A leading `v` or `=` is dropped; missing minor or patch count as zero.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "scan/digits.h"
#include "scan/version.h"

namespace berth::scan {
namespace {


bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsDigit(c)) return false;
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) return out;
    start = p + 1;
  }
}

struct Semver {
  std::vector<std::string_view> core;
  std::string_view pre;
};

Semver Parse(std::string_view v) {
  while (!v.empty() && (v.front() == 'v' || v.front() == 'V' || v.front() == '=' || v.front() == ' ')) v.remove_prefix(1);
  if (auto plus = v.find('+'); plus != std::string_view::npos) v = v.substr(0, plus);
  Semver s;
  if (auto dash = v.find('-'); dash != std::string_view::npos) {
    s.pre = v.substr(dash + 1);
    v = v.substr(0, dash);
    if (s.pre.empty()) s.pre = "-";  // "1.0.0-" is a pre-release of nothing in particular
  }
  s.core = Split(v, '.');
  while (s.core.size() < 3) s.core.push_back("0");
  return s;
}

int CompareIdentifier(std::string_view a, std::string_view b) {
  bool an = AllDigits(a), bn = AllDigits(b);
  if (an && bn) return CompareDigits(a, b);
  if (an != bn) return an ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

}  // namespace

int CompareSemver(std::string_view a, std::string_view b) {
  Semver x = Parse(a), y = Parse(b);
  size_t n = std::max(x.core.size(), y.core.size());
  for (size_t i = 0; i < n; ++i) {
    std::string_view p = i < x.core.size() ? x.core[i] : "0", q = i < y.core.size() ? y.core[i] : "0";
    if (int c = CompareIdentifier(p, q)) return c;
  }
  if (x.pre.empty() || y.pre.empty()) return x.pre.empty() == y.pre.empty() ? 0 : (x.pre.empty() ? 1 : -1);
  auto xs = Split(x.pre, '.'), ys = Split(y.pre, '.');
  for (size_t i = 0; i < std::min(xs.size(), ys.size()); ++i)
    if (int c = CompareIdentifier(xs[i], ys[i])) return c;
  return xs.size() < ys.size() ? -1 : xs.size() > ys.size() ? 1 : 0;
}

}  // namespace berth::scan
