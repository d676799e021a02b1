// base/wildcard.h
//
// Glob matching as AWS policies and ECR filters use it: '*' matches any run of characters and,
// where enabled, '?' matches one. Iterative with one backtrack point: linear in practice, never
// exponential, whatever the pattern. Pure.
#pragma once

#include <string_view>

namespace berth {

struct WildcardOptions {
  bool question_mark = true;  // '?' matches one character (IAM); else it is literal (ECR tag filters)
  bool ignore_case = false;   // ASCII letters
};

bool WildcardMatch(std::string_view pattern, std::string_view text, WildcardOptions options = {});

}  // namespace berth
