// scan/digits.h: the decimal-digit helpers every version order needs.
#pragma once

#include <string_view>

namespace berth::scan {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Two runs of decimal digits compared as numbers of any length (no overflow; leading zeros and
// the empty string count as zero): negative, zero or positive.
inline int CompareDigits(std::string_view a, std::string_view b) {
  while (!a.empty() && a.front() == '0') a.remove_prefix(1);
  while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

}  // namespace berth::scan
