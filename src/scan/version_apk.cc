// Alpine's order (apk-tools src/version.c): the version is read as tokens, digits separated by
// dots (after the first, leading zeros make a component compare as a fraction), an optional
// letter, `_suffix[N]` (alpha < beta < pre < rc < none < cvs < svn < git < hg < p) and `-rN`.
// The first differing token decides; a longer version is newer unless what it has more of is
// a pre-release suffix.
#include <array>
#include <cstdint>
#include <string_view>

#include "scan/digits.h"
#include "scan/version.h"

namespace berth::scan {
namespace {

enum Token { kInvalid = -1, kDigitOrZero, kDigit, kLetter, kSuffix, kSuffixNo, kRevisionNo, kEnd };

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

void NextToken(Token& type, std::string_view& s) {
  Token n = kInvalid;
  if (s.empty() || s.front() == '\0') {
    n = kEnd;
  } else if ((type == kDigit || type == kDigitOrZero) && IsLower(s.front())) {
    n = kLetter;
  } else if (type == kLetter && IsDigit(s.front())) {
    n = kDigit;
  } else if (type == kSuffix && IsDigit(s.front())) {
    n = kSuffixNo;
  } else {
    switch (s.front()) {
      case '.': n = kDigitOrZero; break;
      case '_': n = kSuffix; break;
      case '-':
        if (s.size() > 1 && s[1] == 'r') {
          n = kRevisionNo;
          s.remove_prefix(1);
        }
        break;
      default: break;
    }
    s.remove_prefix(1);
  }
  if (n < type) {
    bool allowed = (n == kDigitOrZero && type == kDigit) || (n == kSuffix && type == kSuffixNo) ||
                   (n == kDigit && type == kLetter);
    if (!allowed) n = kInvalid;
  }
  type = n;
}

int64_t GetToken(Token& type, std::string_view& s) {
  static constexpr std::array<std::string_view, 4> kPre = {"alpha", "beta", "pre", "rc"};
  static constexpr std::array<std::string_view, 5> kPost = {"cvs", "svn", "git", "hg", "p"};
  if (s.empty()) {
    type = kEnd;
    return 0;
  }
  int64_t v = 0;
  size_t i = 0;
  Token next = kInvalid;
  switch (type) {
    case kDigitOrZero:
      if (s.front() == '0') {  // leading zeros before more digits: a fraction, 1.01 < 1.1
        while (i < s.size() && s[i] == '0') ++i;
      }
      if (i > 0 && i < s.size() && IsDigit(s[i])) {
        next = kDigit;
        v = -static_cast<int64_t>(i);
        break;
      }
      i = 0;  // a plain 0 (apk-tools 2.10 read it as a fraction too, putting 1.0_rc1 after 1.0)
      [[fallthrough]];
    case kDigit:
    case kSuffixNo:
    case kRevisionNo:
      while (i < s.size() && IsDigit(s[i])) {
        if (v < (INT64_MAX - 9) / 10) v = v * 10 + (s[i] - '0');
        ++i;
      }
      break;
    case kLetter:
      v = static_cast<unsigned char>(s[i++]);
      break;
    case kSuffix: {
      bool found = false;
      for (size_t k = 0; k < kPre.size() && !found; ++k) {
        if (s.starts_with(kPre[k])) {
          v = static_cast<int64_t>(k) - static_cast<int64_t>(kPre.size());
          i = kPre[k].size();
          found = true;
        }
      }
      for (size_t k = 0; k < kPost.size() && !found; ++k) {
        if (s.starts_with(kPost[k])) {
          v = static_cast<int64_t>(k);
          i = kPost[k].size();
          found = true;
        }
      }
      if (found) break;
      type = kInvalid;
      return -1;
    }
    default:
      type = kInvalid;
      return -1;
  }
  s.remove_prefix(i);
  if (s.empty()) {
    type = kEnd;
  } else if (next != kInvalid) {
    type = next;
  } else {
    NextToken(type, s);
  }
  return v;
}

}  // namespace

int CompareApk(std::string_view a, std::string_view b) {
  Token at = kDigit, bt = kDigit;
  int64_t av = 0, bv = 0;
  while (at == bt && at != kEnd && at != kInvalid && av == bv) {
    av = GetToken(at, a);
    bv = GetToken(bt, b);
  }
  if (av < bv) return -1;
  if (av > bv) return 1;
  if (at == bt) return 0;
  // Equal so far: the longer one is newer, unless what follows is a pre-release suffix.
  Token t = at;
  std::string_view rest = a;
  if (at == kSuffix && GetToken(t, rest) < 0) return -1;
  t = bt;
  rest = b;
  if (bt == kSuffix && GetToken(t, rest) < 0) return 1;
  if (at > bt) return -1;
  if (bt > at) return 1;
  return 0;
}

}  // namespace berth::scan
