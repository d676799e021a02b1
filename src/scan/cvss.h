// scan/cvss.h
//
// CVSS base scores computed from vectors, so a finding's severity does not depend on a
// database having filled in a number: v3.0/v3.1 by the specification's formulas (with 3.1's
// Roundup), v2 by its own. v4.0 vectors are recognised but not scored here (their score is a
// table of macro-vectors); callers fall back to the database's severity for them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace berth::scan {

// ECR's finding severities.
enum class Severity { kUndefined, kInformational, kLow, kMedium, kHigh, kCritical };

std::string_view SeverityName(Severity s);  // "UNDEFINED", "INFORMATIONAL", "LOW", ...
// "HIGH", "high", "Moderate" (GitHub's word), "important" (Red Hat's) ...; UNDEFINED otherwise.
Severity SeverityFromText(std::string_view text);
// CVSS's qualitative rating of a score: 0 INFORMATIONAL (CVSS "None"), then LOW, MEDIUM, HIGH, CRITICAL.
Severity SeverityFromScore(double score);

struct CvssScore {
  double score = 0;
  std::string version;  // "3.1", "3.0", "2.0"
};

// The base score of a vector ("CVSS:3.1/AV:N/AC:L/...", or a v2 "AV:N/AC:L/Au:N/C:P/I:P/A:P"),
// or none when it is malformed, lacks a base metric, or is v4.0.
std::optional<CvssScore> CvssBaseScore(std::string_view vector);

}  // namespace berth::scan
