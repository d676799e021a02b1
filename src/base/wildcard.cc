#include "base/wildcard.h"

namespace berth {

bool WildcardMatch(std::string_view pattern, std::string_view text, WildcardOptions options) {
  auto fold = [&options](char c) {
    return options.ignore_case && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  };
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    const bool any_one = options.question_mark && p < pattern.size() && pattern[p] == '?';
    if (p < pattern.size() && (any_one || (pattern[p] != '*' && fold(pattern[p]) == fold(text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
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

}  // namespace berth
