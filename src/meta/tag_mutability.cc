#include "meta/tag_mutability.h"

namespace berth::meta {

bool WildcardMatch(std::string_view pattern, std::string_view text) {
  // Iterative glob matching with backtracking to the last '*': linear in practice, no recursion.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool TagIsImmutable(std::string_view mode, const std::vector<std::string>& filters,
                    std::string_view tag) {
  bool matches = false;
  for (const std::string& f : filters) matches = matches || WildcardMatch(f, tag);
  if (mode == "IMMUTABLE") return true;
  if (mode == "IMMUTABLE_WITH_EXCLUSION") return !matches;
  if (mode == "MUTABLE_WITH_EXCLUSION") return matches;
  return false;
}

}  // namespace berth::meta
