// Debian's order (deb-version(7), dpkg's lib/dpkg/version.c): epochs numerically, then
// upstream version and revision each by verrevcmp, where `~` sorts before everything, even the
// end of the string, and letters before other characters.
#include <cctype>
#include <string_view>

#include "scan/digits.h"
#include "scan/version.h"

namespace berth::scan {
namespace {


int Order(int c) {
  if (IsDigit(static_cast<char>(c))) return 0;
  if (std::isalpha(c)) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

int VerRevCmp(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  auto at = [](std::string_view s, size_t k) -> int { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0; };
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !IsDigit(a[i])) || (j < b.size() && !IsDigit(b[j]))) {
      int ac = Order(at(a, i)), bc = Order(at(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (i < a.size() && a[i] == '0') ++i;
    while (j < b.size() && b[j] == '0') ++j;
    while (i < a.size() && j < b.size() && IsDigit(a[i]) && IsDigit(b[j])) {
      if (!first_diff) first_diff = a[i] - b[j];
      ++i;
      ++j;
    }
    if (i < a.size() && IsDigit(a[i])) return 1;
    if (j < b.size() && IsDigit(b[j])) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct DebVersion {
  unsigned long long epoch = 0;
  std::string_view upstream;
  std::string_view revision;
};

DebVersion Parse(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  DebVersion d;
  if (auto colon = v.find(':'); colon != std::string_view::npos) {
    for (char c : v.substr(0, colon)) {
      if (!IsDigit(c)) break;
      d.epoch = d.epoch * 10 + static_cast<unsigned>(c - '0');
      if (d.epoch > 0xffffffffULL) d.epoch = 0xffffffffULL;  // dpkg refuses larger; keep the order total
    }
    v.remove_prefix(colon + 1);
  }
  if (auto dash = v.rfind('-'); dash != std::string_view::npos) {
    d.revision = v.substr(dash + 1);
    v = v.substr(0, dash);
  }
  d.upstream = v;
  return d;
}

}  // namespace

int CompareDpkg(std::string_view a, std::string_view b) {
  DebVersion x = Parse(a), y = Parse(b);
  if (x.epoch != y.epoch) return x.epoch < y.epoch ? -1 : 1;
  if (int c = VerRevCmp(x.upstream, y.upstream)) return c;
  return VerRevCmp(x.revision, y.revision);
}

}  // namespace berth::scan
