// RPM's order (rpmvercmp in rpmio/rpmvercmp.c, and rpmVersionCompare for EVR): segments of
// digits or letters, separators ignored; numbers compare numerically and are newer than
// letters; `~` sorts before everything, `^` after the end but before any further segment.
#include <string_view>

#include "scan/digits.h"
#include "scan/version.h"

namespace berth::scan {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }

int RpmVerCmp(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && !IsAlnum(a[i]) && a[i] != '~' && a[i] != '^') ++i;
    while (j < b.size() && !IsAlnum(b[j]) && b[j] != '~' && b[j] != '^') ++j;
    bool a_end = i >= a.size(), b_end = j >= b.size();
    if ((!a_end && a[i] == '~') || (!b_end && b[j] == '~')) {
      if (a_end || a[i] != '~') return 1;
      if (b_end || b[j] != '~') return -1;
      ++i;
      ++j;
      continue;
    }
    if ((!a_end && a[i] == '^') || (!b_end && b[j] == '^')) {
      if (a_end) return -1;
      if (b_end) return 1;
      if (a[i] != '^') return 1;
      if (b[j] != '^') return -1;
      ++i;
      ++j;
      continue;
    }
    if (a_end || b_end) break;
    size_t si = i, sj = j;
    bool numeric = IsDigit(a[i]);
    if (numeric) {
      while (i < a.size() && IsDigit(a[i])) ++i;
      while (j < b.size() && IsDigit(b[j])) ++j;
    } else {
      while (i < a.size() && IsAlpha(a[i])) ++i;
      while (j < b.size() && IsAlpha(b[j])) ++j;
    }
    std::string_view sa = a.substr(si, i - si), sb = b.substr(sj, j - sj);
    if (sb.empty()) return numeric ? 1 : -1;  // a number against letters: the number is newer
    if (int c = numeric ? CompareDigits(sa, sb) : sa.compare(sb)) return c < 0 ? -1 : 1;
  }
  bool a_end = i >= a.size(), b_end = j >= b.size();
  if (a_end && b_end) return 0;
  return a_end ? -1 : 1;
}

struct Evr {
  std::string_view epoch;
  std::string_view version;
  std::string_view release;
};

Evr Parse(std::string_view v) {
  Evr e;
  size_t colon = v.find(':');
  if (colon != std::string_view::npos) {
    bool digits = colon > 0;
    for (char c : v.substr(0, colon)) digits = digits && IsDigit(c);
    if (digits) {
      e.epoch = v.substr(0, colon);
      v.remove_prefix(colon + 1);
    }
  }
  if (auto dash = v.rfind('-'); dash != std::string_view::npos) {
    e.release = v.substr(dash + 1);
    v = v.substr(0, dash);
  }
  e.version = v;
  return e;
}

}  // namespace

int CompareRpm(std::string_view a, std::string_view b) {
  Evr x = Parse(a), y = Parse(b);
  if (int c = CompareDigits(x.epoch, y.epoch)) return c;
  if (int c = RpmVerCmp(x.version, y.version)) return c;
  // A range bound without a release ("1.2") covers every release of that version.
  if (x.release.empty() || y.release.empty()) return 0;
  return RpmVerCmp(x.release, y.release);
}

}  // namespace berth::scan
