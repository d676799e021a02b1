#include "scan/match.h"

#include <gtest/gtest.h>

#include "scan/cvss.h"
#include "scan/osv.h"

namespace berth::scan {
namespace {

TEST(Cvss, BaseScoresAsTheSpecificationComputesThem) {
  struct Case { const char* vector; double score; };
  for (auto [vector, score] : {Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
                               Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
                               Case{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5},
                               Case{"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1},
                               Case{"CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4},
                               Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0},
                               Case{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6},
                               Case{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5},
                               Case{"AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3}}) {
    auto s = CvssBaseScore(vector);
    ASSERT_TRUE(s.has_value()) << vector;
    EXPECT_DOUBLE_EQ(s->score, score) << vector;
  }
  EXPECT_FALSE(CvssBaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H").has_value()) << "no scope";
  EXPECT_FALSE(CvssBaseScore("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").has_value());
  EXPECT_FALSE(CvssBaseScore("garbage").has_value());
  EXPECT_EQ(SeverityFromScore(9.8), Severity::kCritical);
  EXPECT_EQ(SeverityFromScore(0), Severity::kInformational);
  EXPECT_EQ(SeverityFromText("Moderate"), Severity::kMedium);
  EXPECT_EQ(SeverityName(Severity::kUndefined), "UNDEFINED");
}

constexpr const char* kOpenssl = R"({
  "id": "DSA-5532-1", "aliases": ["CVE-2023-5363"], "summary": "openssl - security update",
  "modified": "2024-01-01T00:00:00Z",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
  "references": [{"type": "PACKAGE", "url": "https://x"}, {"type": "ADVISORY", "url": "https://www.debian.org/security/2023/dsa-5532"}],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]
})";
constexpr const char* kUnfixed = R"({
  "id": "DEBIAN-CVE-2024-0001", "database_specific": {"severity": "low"},
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "glibc"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]
})";
constexpr const char* kLastAffected = R"({
  "id": "OSV-LAST", "affected": [{"package": {"ecosystem": "Debian", "name": "zlib"},
     "ecosystem_specific": {"severity": "HIGH"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1:1.2.0"}, {"last_affected": "1:1.2.13.dfsg-1"}]}]}]
})";
constexpr const char* kPypi = R"({
  "id": "GHSA-xxxx", "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.31.0"}]}],
     "versions": ["1.9.1"]}]
})";
constexpr const char* kAlpine = R"({
  "id": "ALPINE-CVE-1", "affected": [{"package": {"ecosystem": "Alpine:v3.19", "name": "openssl"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.1.4-r1"}]}]}]
})";

Package Pkg(PackageType type, std::string name, std::string version, std::string source = "", std::string source_version = "") {
  Package p;
  p.type = type;
  p.name = std::move(name);
  p.version = std::move(version);
  p.source_name = source.empty() ? p.name : std::move(source);
  p.source_version = source_version.empty() ? p.version : std::move(source_version);
  return p;
}

TEST(Osv, ParsesAndJudgesVersions) {
  auto a = ParseOsv(kOpenssl);
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->id, "DSA-5532-1");
  EXPECT_EQ(a->severity, Severity::kHigh);  // 7.5 computed from the vector
  EXPECT_DOUBLE_EQ(*a->score, 7.5);
  EXPECT_EQ(a->uri, "https://www.debian.org/security/2023/dsa-5532");
  const auto& aff = a->affected.at(0);
  EXPECT_TRUE(IsAffected(Ecosystem::kDebian, aff, "3.0.11-1~deb12u1"));
  EXPECT_FALSE(IsAffected(Ecosystem::kDebian, aff, "3.0.11-1~deb12u2"));
  EXPECT_FALSE(IsAffected(Ecosystem::kDebian, aff, "3.0.11-1"));
  EXPECT_EQ(FixedVersion(Ecosystem::kDebian, aff, "3.0.9-1"), "3.0.11-1~deb12u2");

  auto last = ParseOsv(kLastAffected);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->severity, Severity::kHigh);
  EXPECT_TRUE(IsAffected(Ecosystem::kDebian, last->affected[0], "1:1.2.13.dfsg-1"));
  EXPECT_FALSE(IsAffected(Ecosystem::kDebian, last->affected[0], "1:1.2.13.dfsg-1+deb12u1"));
  EXPECT_FALSE(IsAffected(Ecosystem::kDebian, last->affected[0], "1:1.1.0"));

  auto pypi = ParseOsv(kPypi);
  ASSERT_TRUE(pypi.has_value());
  EXPECT_TRUE(IsAffected(Ecosystem::kPyPI, pypi->affected[0], "1.9.1")) << "listed explicitly";
  EXPECT_FALSE(IsAffected(Ecosystem::kPyPI, pypi->affected[0], "1.9.2"));
  EXPECT_TRUE(IsAffected(Ecosystem::kPyPI, pypi->affected[0], "2.30.0"));
  EXPECT_FALSE(IsAffected(Ecosystem::kPyPI, pypi->affected[0], "2.31"));
  EXPECT_EQ(pypi->severity, Severity::kUndefined);

  EXPECT_FALSE(ParseOsv("{}").has_value());
  EXPECT_FALSE(ParseOsv("[1]").has_value());
  EXPECT_FALSE(ParseOsv(R"({"id":"X","affected":[{"ranges":[]}]})").has_value());
}

TEST(Match, FindingsForAnImage) {
  AdvisoryIndex index;
  for (const char* text : {kOpenssl, kUnfixed, kLastAffected, kPypi, kAlpine}) index.Add(*ParseOsv(text));
  Inventory debian;
  debian.os = {"debian", "12.4", "Debian 12", "bookworm"};
  debian.packages = {
      Pkg(PackageType::kDpkg, "libssl3", "3.0.11-1~deb12u1+b1", "openssl", "3.0.11-1~deb12u1"),
      Pkg(PackageType::kDpkg, "openssl", "3.0.11-1~deb12u2"),
      Pkg(PackageType::kDpkg, "libc6", "2.36-9+deb12u4", "glibc", "2.36-9+deb12u4"),
      Pkg(PackageType::kDpkg, "zlib1g", "1:1.2.13.dfsg-1", "zlib"),
      Pkg(PackageType::kPython, "requests", "2.28.1"),
  };
  auto findings = Match(debian, index);
  std::vector<std::string> got;
  for (const auto& f : findings) got.push_back(f.advisory->id + " " + f.package.name + " " + f.fixed_version);
  EXPECT_EQ(got, (std::vector<std::string>{"DSA-5532-1 libssl3 3.0.11-1~deb12u2", "OSV-LAST zlib1g ",
                                           "DEBIAN-CVE-2024-0001 libc6 ", "GHSA-xxxx requests 2.31.0"}));

  Inventory alpine;
  alpine.os = {"alpine", "3.19.1", "Alpine", ""};
  alpine.packages = {Pkg(PackageType::kApk, "libcrypto3", "3.1.4-r0", "openssl"),
                     Pkg(PackageType::kDpkg, "libssl3", "3.0.0-1", "openssl")};
  findings = Match(alpine, index);
  ASSERT_EQ(findings.size(), 1u) << "Debian's advisories do not apply to Alpine";
  EXPECT_EQ(findings[0].advisory->id, "ALPINE-CVE-1");
  EXPECT_EQ(findings[0].fixed_version, "3.1.4-r1");

  Inventory other;
  other.os = {"debian", "11", "", ""};
  other.packages = {Pkg(PackageType::kDpkg, "openssl", "1.0")};
  EXPECT_TRUE(Match(other, index).empty()) << "Debian:12 advisories do not apply to Debian 11";
}

}  // namespace
}  // namespace berth::scan
