// scan/osv.h
//
// Advisories in the OSV schema (https://ossf.github.io/osv-schema/), the format Debian,
// Alpine, Red Hat, PyPI, npm, Go and Maven advisories are all published in: parsing, and
// whether one installed version is affected (explicit `versions`, or ECOSYSTEM/SEMVER ranges
// of introduced/fixed/last_affected events evaluated in the ecosystem's own version order).
// Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "scan/cvss.h"
#include "scan/version.h"

namespace berth::scan {

struct OsvEvent {
  enum class Kind { kIntroduced, kFixed, kLastAffected, kLimit };
  Kind kind = Kind::kIntroduced;
  std::string version;
};

struct OsvRange {
  std::string type;  // ECOSYSTEM, SEMVER (GIT ranges are kept but never match a package version)
  std::vector<OsvEvent> events;
};

struct OsvAffected {
  std::string ecosystem;  // "Debian:12"
  std::string package;
  std::vector<OsvRange> ranges;
  std::vector<std::string> versions;
  Severity severity = Severity::kUndefined;  // the entry's own, when it has one
};

struct Advisory {
  std::string id;
  std::vector<std::string> aliases;
  std::string summary;
  std::string details;
  std::string modified;  // RFC 3339
  std::string published;
  Severity severity = Severity::kUndefined;
  std::optional<double> score;  // CVSS base score, computed from `vector`
  std::string vector;
  std::string uri;  // an advisory page: the first ADVISORY/WEB reference, else osv.dev's
  std::vector<OsvAffected> affected;
};

// kInvalidArgument naming what is wrong (no id, affected without a package, ...).
Result<Advisory> ParseOsv(std::string_view json);

bool IsAffected(Ecosystem ecosystem, const OsvAffected& affected, std::string_view version);
// The lowest `fixed` above `version` in the ranges that affect it, if any.
std::optional<std::string> FixedVersion(Ecosystem ecosystem, const OsvAffected& affected, std::string_view version);

}  // namespace berth::scan
