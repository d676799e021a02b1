// scan/cvss.h
//
// CVSS base scores computed from vectors, so a finding's severity does not depend on a
// database having filled in a number: v3.0/v3.1 by the specification's formulas (with 3.1's
// Roundup), v2 by its own, v4.0 by its macrovector table and interpolation (cvss4.cc).
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
  std::string version;  // "4.0", "3.1", "3.0", "2.0"
};

// The base score of a vector ("CVSS:3.1/AV:N/AC:L/...", or a v2 "AV:N/AC:L/Au:N/C:P/I:P/A:P"),
// or none when it is malformed or lacks a base metric. v4.0 vectors ("CVSS:4.0/AV:N/...") may
// carry threat, environmental and supplemental metrics; they count as the specification says.
std::optional<CvssScore> CvssBaseScore(std::string_view vector);
std::optional<double> CvssV4BaseScore(std::string_view vector);

}  // namespace berth::scan
