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
  EXPECT_FALSE(CvssBaseScore("garbage").has_value());
  EXPECT_EQ(SeverityFromScore(9.8), Severity::kCritical);
  EXPECT_EQ(SeverityFromScore(0), Severity::kInformational);
  EXPECT_EQ(SeverityFromText("Moderate"), Severity::kMedium);
  EXPECT_EQ(SeverityName(Severity::kUndefined), "UNDEFINED");
}

TEST(Cvss, Version4ScoresAsFirstsReferenceCalculatorGivesThem) {
  // Expected scores from FIRST's reference calculator (cvss-v4-calculator, cvss40.js, 2024),
  // for hand-picked vectors (threat, environmental and supplemental metrics among them) and
  // 80 random ones.
  struct Case { const char* vector; double score; };
  const Case cases[] = {
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0},
      {"CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.5},
      {"CVSS:4.0/AV:N/AC:H/AT:P/PR:L/UI:P/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 2.1},
      {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 1.0},
      {"CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:N/VC:H/VI:L/VA:L/SC:L/SI:L/SA:N", 7.0},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 8.1},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:L/IR:L/AR:L", 7.9},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/MSI:S", 8.9},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N/S:N/AU:Y/U:Amber", 4.8},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/MAV:P/MVC:H", 5.2},
      {"CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:A/VC:H/VI:L/VA:H/SC:H/SI:N/SA:H", 7.0},
      {"CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:N/VC:H/VI:L/VA:N/SC:L/SI:N/SA:L/E:U/MSI:N/MSA:S", 5.8},
      {"CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:L/SI:H/SA:L/E:X/CR:L/IR:X/AR:H", 7.0},
      {"CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N", 2.0},
      {"CVSS:4.0/AV:P/AC:L/AT:N/PR:H/UI:N/VC:L/VI:N/VA:N/SC:N/SI:H/SA:L", 4.2},
      {"CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:P/VC:H/VI:L/VA:L/SC:H/SI:H/SA:L/MSI:N/MSA:X", 7.1},
      {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:L/VA:H/SC:N/SI:H/SA:N/CR:X/IR:X/AR:M/MSI:S/MSA:H", 8.7},
      {"CVSS:4.0/AV:A/AC:H/AT:P/PR:N/UI:P/VC:H/VI:N/VA:N/SC:L/SI:N/SA:H/E:U", 3.7},
      {"CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:N/SI:H/SA:H/E:U", 4.0},
      {"CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:H/SA:L/E:X/CR:X/IR:H/AR:M/MSI:H/MSA:L", 5.6},
      {"CVSS:4.0/AV:L/AC:H/AT:N/PR:H/UI:A/VC:N/VI:H/VA:H/SC:L/SI:H/SA:L/CR:L/IR:M/AR:H", 5.7},
      {"CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L/MSI:X/MSA:X", 4.3},
      {"CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:A/VC:N/VI:H/VA:H/SC:L/SI:H/SA:H/E:A/CR:L/IR:M/AR:X", 5.8},
      {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:N/VA:L/SC:L/SI:L/SA:N/E:X/MSI:N/MSA:X", 6.3},
      {"CVSS:4.0/AV:A/AC:L/AT:P/PR:L/UI:A/VC:L/VI:N/VA:N/SC:H/SI:N/SA:L", 2.0},
      {"CVSS:4.0/AV:P/AC:L/AT:N/PR:H/UI:P/VC:H/VI:N/VA:N/SC:N/SI:N/SA:L/MSI:X/MSA:N", 5.1},
      {"CVSS:4.0/AV:A/AC:H/AT:P/PR:N/UI:N/VC:L/VI:L/VA:H/SC:N/SI:H/SA:H", 7.2},
      {"CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:L/SC:L/SI:N/SA:L", 9.2},
      {"CVSS:4.0/AV:P/AC:L/AT:P/PR:N/UI:A/VC:L/VI:N/VA:N/SC:H/SI:N/SA:L", 2.0},
      {"CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:A/VC:L/VI:N/VA:N/SC:L/SI:H/SA:H", 4.7},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:L/SI:H/SA:H/E:U", 5.7},
      {"CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:H/SC:H/SI:N/SA:H/CR:H/IR:M/AR:L", 5.4},
      {"CVSS:4.0/AV:L/AC:H/AT:P/PR:L/UI:A/VC:N/VI:H/VA:L/SC:N/SI:H/SA:L/E:P/CR:L/IR:L/AR:H", 1.5},
      {"CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:N/VC:N/VI:H/VA:H/SC:L/SI:N/SA:H/CR:H/IR:H/AR:L", 5.7},
      {"CVSS:4.0/AV:P/AC:H/AT:P/PR:N/UI:P/VC:L/VI:H/VA:L/SC:L/SI:H/SA:L/E:A/MSI:H/MSA:L", 5.9},
      {"CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:H/SI:L/SA:N", 4.2},
      {"CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:A/VC:N/VI:L/VA:N/SC:L/SI:H/SA:N", 2.0},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:N/VI:L/VA:H/SC:H/SI:N/SA:L/E:X", 8.2},
      {"CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:L/SI:N/SA:L/E:U/MSI:N/MSA:L", 0.4},
      {"CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:P/VC:N/VI:H/VA:N/SC:N/SI:H/SA:N/CR:L/IR:M/AR:X", 3.8},
      {"CVSS:4.0/AV:L/AC:H/AT:P/PR:L/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L", 4.5},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:A/VC:H/VI:N/VA:L/SC:H/SI:H/SA:L/E:P/CR:X/IR:H/AR:M", 5.3},
      {"CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:L/VI:H/VA:L/SC:H/SI:L/SA:L", 7.1},
      {"CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:L/VI:H/VA:N/SC:L/SI:H/SA:N/E:P", 5.6},
      {"CVSS:4.0/AV:A/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N", 6.0},
      {"CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:A/VC:L/VI:H/VA:N/SC:H/SI:H/SA:H", 6.0},
      {"CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:P/VC:L/VI:L/VA:H/SC:L/SI:H/SA:L/E:A/CR:H/IR:X/AR:H/MSI:S/MSA:N", 8.3},
      {"CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:L/VI:H/VA:N/SC:N/SI:H/SA:N/E:U/CR:M/IR:M/AR:H", 1.7},
      {"CVSS:4.0/AV:A/AC:H/AT:P/PR:N/UI:N/VC:N/VI:H/VA:N/SC:H/SI:L/SA:H/E:A", 7.2},
      {"CVSS:4.0/AV:N/AC:H/AT:P/PR:L/UI:N/VC:L/VI:N/VA:N/SC:L/SI:N/SA:L/CR:L/IR:L/AR:L", 2.3},
      {"CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:L/SA:L/CR:X/IR:H/AR:M", 7.0},
      {"CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:A/VC:N/VI:H/VA:H/SC:N/SI:H/SA:H/E:X/MSI:S/MSA:N", 7.0},
      {"CVSS:4.0/AV:A/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:H/SC:H/SI:L/SA:N/E:P/MSI:X/MSA:N", 3.8},
      {"CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:P/VC:H/VI:L/VA:N/SC:N/SI:N/SA:H/CR:M/IR:H/AR:M", 4.0},
      {"CVSS:4.0/AV:A/AC:L/AT:N/PR:H/UI:P/VC:N/VI:H/VA:N/SC:H/SI:N/SA:H", 6.9},
      {"CVSS:4.0/AV:A/AC:H/AT:P/PR:N/UI:A/VC:L/VI:L/VA:N/SC:L/SI:L/SA:H", 4.8},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:L/VI:N/VA:N/SC:H/SI:N/SA:N/E:P/MSI:H/MSA:L", 5.4},
      {"CVSS:4.0/AV:A/AC:L/AT:N/PR:H/UI:P/VC:L/VI:L/VA:N/SC:H/SI:N/SA:N/CR:L/IR:M/AR:M/MSI:N/MSA:H", 4.4},
      {"CVSS:4.0/AV:A/AC:H/AT:P/PR:N/UI:A/VC:L/VI:H/VA:N/SC:H/SI:L/SA:L/CR:L/IR:X/AR:H/MSI:X/MSA:N", 6.9},
      {"CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:P/VC:N/VI:N/VA:H/SC:N/SI:H/SA:N/E:U/CR:L/IR:X/AR:L", 0.5},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:L/SC:N/SI:H/SA:N/E:X/MSI:H/MSA:X", 8.3},
      {"CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:A/VC:L/VI:H/VA:H/SC:N/SI:N/SA:H/MSI:H/MSA:L", 7.0},
      {"CVSS:4.0/AV:L/AC:H/AT:P/PR:L/UI:N/VC:N/VI:H/VA:L/SC:N/SI:N/SA:H", 6.9},
      {"CVSS:4.0/AV:L/AC:H/AT:P/PR:L/UI:A/VC:N/VI:H/VA:N/SC:L/SI:H/SA:N/E:A/CR:H/IR:L/AR:H/MSI:X/MSA:S", 5.4},
      {"CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:H/SC:L/SI:H/SA:L/E:X/MSI:L/MSA:X", 7.1},
      {"CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:N/VC:N/VI:H/VA:N/SC:N/SI:H/SA:N/E:P", 3.6},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:P/VC:L/VI:L/VA:H/SC:N/SI:N/SA:L/E:P", 3.3},
      {"CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:N/VC:H/VI:L/VA:N/SC:N/SI:H/SA:L", 7.0},
      {"CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:H/SC:H/SI:H/SA:L/E:P", 5.7},
      {"CVSS:4.0/AV:A/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:H/SA:N/E:X", 5.7},
      {"CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:A/VC:L/VI:L/VA:N/SC:L/SI:L/SA:N/E:X", 1.0},
      {"CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:A/VC:H/VI:N/VA:H/SC:H/SI:N/SA:L/E:A", 5.8},
      {"CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:P/VC:H/VI:H/VA:L/SC:L/SI:H/SA:H/CR:H/IR:M/AR:L/MSI:L/MSA:N", 5.2},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:A/VC:N/VI:L/VA:N/SC:L/SI:N/SA:N/E:X", 2.4},
      {"CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:P/VC:H/VI:N/VA:H/SC:N/SI:L/SA:L", 5.8},
      {"CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:P/VC:H/VI:H/VA:N/SC:H/SI:N/SA:N", 6.7},
      {"CVSS:4.0/AV:A/AC:L/AT:P/PR:H/UI:P/VC:N/VI:N/VA:N/SC:N/SI:L/SA:H/E:A/MSI:X/MSA:N", 1.0},
      {"CVSS:4.0/AV:A/AC:L/AT:N/PR:H/UI:N/VC:L/VI:H/VA:H/SC:L/SI:N/SA:L", 7.0},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:A/VC:H/VI:L/VA:N/SC:N/SI:L/SA:H/E:X", 6.8},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:L/VI:H/VA:N/SC:H/SI:N/SA:H/CR:H/IR:H/AR:L", 6.8},
      {"CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:A/VC:L/VI:H/VA:H/SC:N/SI:N/SA:H/E:U/CR:X/IR:L/AR:M", 0.6},
      {"CVSS:4.0/AV:N/AC:H/AT:P/PR:L/UI:P/VC:H/VI:L/VA:H/SC:N/SI:H/SA:N/E:U/CR:X/IR:X/AR:X", 3.9},
      {"CVSS:4.0/AV:L/AC:H/AT:P/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:H/SA:L/CR:L/IR:L/AR:X", 4.5},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:H/SC:H/SI:H/SA:H", 7.1},
      {"CVSS:4.0/AV:A/AC:H/AT:P/PR:H/UI:P/VC:N/VI:L/VA:H/SC:N/SI:H/SA:H/E:X/CR:M/IR:L/AR:H", 5.7},
      {"CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:H/VA:N/SC:N/SI:L/SA:H/E:P", 5.5},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:P/VC:N/VI:L/VA:L/SC:L/SI:H/SA:L/E:U", 2.2},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:L/SC:N/SI:N/SA:N/E:U", 4.7},
      {"CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:L/VI:H/VA:L/SC:L/SI:L/SA:H/E:X/CR:H/IR:L/AR:M", 5.7},
      {"CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:H/SA:H", 8.6},
  };
  for (const Case& c : cases) {
    auto s = CvssBaseScore(c.vector);
    ASSERT_TRUE(s.has_value()) << c.vector;
    EXPECT_DOUBLE_EQ(s->score, c.score) << c.vector;
    EXPECT_EQ(s->version, "4.0");
  }
  EXPECT_FALSE(CvssBaseScore("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N").has_value()) << "no SA";
  EXPECT_FALSE(CvssBaseScore("CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").has_value());
  EXPECT_FALSE(CvssBaseScore("CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").has_value());
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
