// scan/version.h
//
// Version order, exactly as each packaging ecosystem defines it, for deciding whether an
// installed package falls inside an advisory's affected range. Each comparator is the
// ecosystem's own algorithm (dpkg's verrevcmp, apk-tools' tokenizer, rpmvercmp, PEP 440's
// normal form, Semantic Versioning 2.0.0, Maven's ComparableVersion), so a wrong answer here
// is a missed or a false finding. Pure functions; any string is accepted, and a version the
// ecosystem would call invalid still gets a total, deterministic order.
#pragma once

#include <optional>
#include <string_view>

namespace berth::scan {

enum class Ecosystem { kDebian, kAlpine, kRpm, kPyPI, kNpm, kGo, kMaven };

// The ecosystem an OSV `affected[].package.ecosystem` names ("Debian:12", "Alpine:v3.19",
// "Red Hat", "Rocky Linux", "PyPI", "npm", "Go", "Maven", ...), or none when unknown.
std::optional<Ecosystem> EcosystemFromOsv(std::string_view name);

// Negative, zero or positive as a is older than, the same as, or newer than b.
int CompareVersions(Ecosystem ecosystem, std::string_view a, std::string_view b);

int CompareDpkg(std::string_view a, std::string_view b);     // [epoch:]upstream[-revision]
int CompareApk(std::string_view a, std::string_view b);      // 1.2.3a_rc1-r0
int CompareRpm(std::string_view a, std::string_view b);      // [epoch:]version[-release]
int ComparePep440(std::string_view a, std::string_view b);   // 1!2.0rc1.post2.dev3+local
int CompareSemver(std::string_view a, std::string_view b);   // v1.2.3-pre+build (npm, Go)
int CompareMaven(std::string_view a, std::string_view b);    // 1.0-alpha-1, 2.0.RELEASE

}  // namespace berth::scan
