#include "meta/tag_mutability.h"

#include "base/wildcard.h"

namespace berth::meta {

bool TagIsImmutable(std::string_view mode, const std::vector<std::string>& filters,
                    std::string_view tag) {
  bool matches = false;
  for (const std::string& f : filters) matches = matches || berth::WildcardMatch(f, tag, {.question_mark = false, .ignore_case = false});
  if (mode == "IMMUTABLE") return true;
  if (mode == "IMMUTABLE_WITH_EXCLUSION") return !matches;
  if (mode == "MUTABLE_WITH_EXCLUSION") return matches;
  return false;
}

}  // namespace berth::meta
