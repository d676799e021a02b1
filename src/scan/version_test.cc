#include "scan/version.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <sys/wait.h>
#include <tuple>
#include <vector>

namespace berth::scan {
namespace {

using Case = std::tuple<const char*, const char*, int>;  // a, b, sign of compare(a, b)

int Sign(int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

void ExpectOrder(int (*compare)(std::string_view, std::string_view), const std::vector<Case>& cases) {
  for (const auto& [a, b, want] : cases) {
    EXPECT_EQ(Sign(compare(a, b)), want) << a << " vs " << b;
    EXPECT_EQ(Sign(compare(b, a)), -want) << b << " vs " << a;
  }
}

TEST(Version, Dpkg) {
  ExpectOrder(CompareDpkg, {
      {"1.0", "1.0", 0},
      {"1.0", "1.0-0", 0},
      {"1.0-1", "1.0-2", -1},
      {"1:1.0", "2.0", 1},
      {"0:1.0", "1.0", 0},
      {"1.0~rc1", "1.0", -1},
      {"1.0~~", "1.0~", -1},
      {"1.0~", "1.0", -1},
      {"1.0", "1.0a", -1},
      {"1.0a", "1.0+", -1},
      {"1.0+b1", "1.0", 1},
      {"2.36-9+deb12u4", "2.36-9+deb12u14", -1},
      {"3.0.11-1~deb12u2", "3.0.11-1", -1},
      {"1.10", "1.9", 1},
      {"1.001", "1.1", 0},
      {"7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1},
      {"1:2.38.1-5+deb12u1", "1:2.38.1-5+b1", 1},
      {"1.2-3-4", "1.2-3-5", -1},  // the revision is after the last hyphen
  });
}

TEST(Version, Apk) {
  ExpectOrder(CompareApk, {
      {"1.0", "1.0", 0},
      {"1.0-r1", "1.0-r0", 1},
      {"1.0", "1.0-r1", -1},
      {"1.0_rc1", "1.0", -1},
      {"1.0_alpha1", "1.0_beta1", -1},
      {"1.0_beta2", "1.0_pre1", -1},
      {"1.0_pre1", "1.0_rc1", -1},
      {"1.0_p1", "1.0", 1},
      {"1.0_git20240101", "1.0", 1},
      {"1.0a", "1.0", 1},
      {"1.0a", "1.0b", -1},
      {"1.01", "1.1", -1},
      {"1.2.3", "1.2.10", -1},
      {"3.1.4-r5", "3.1.4-r10", -1},
      {"1.36.1-r15", "1.36.1-r20", -1},
      {"2.0", "1.99.99", 1},
  });
}

TEST(Version, Rpm) {
  ExpectOrder(CompareRpm, {
      {"1.0", "1.0", 0},
      {"1.0-1.el9", "1.0-2.el9", -1},
      {"1:1.0-1", "2.0-1", 1},
      {"1.0~rc1", "1.0", -1},
      {"1.0^20230101", "1.0", 1},
      {"1.0^1", "1.0.1", -1},
      {"1.0a", "1.0", 1},
      {"1.0", "1.0.1", -1},
      {"1.a", "1.1", -1},  // numbers are newer than letters
      {"2.0.01", "2.0.1", 0},
      {"1.0-1", "1.0", 0},  // a bound without a release covers every release
      {"3.0.7-27.el9", "3.0.7-24.el9", 1},
      {"1.0_1", "1.0.1", 0},
  });
}

TEST(Version, Pep440) {
  ExpectOrder(ComparePep440, {
      {"1.0", "1.0.0", 0},
      {"1.0.dev1", "1.0a1", -1},
      {"1.0a1", "1.0b1", -1},
      {"1.0b2", "1.0rc1", -1},
      {"1.0rc1", "1.0", -1},
      {"1.0", "1.0.post1", -1},
      {"1.0.post1.dev1", "1.0.post1", -1},
      {"1.0a1.dev1", "1.0a1", -1},
      {"1.0", "1.0+local", -1},
      {"1.0+abc", "1.0+5", -1},
      {"1!0.1", "2.0", 1},
      {"1.0-1", "1.0.post1", 0},
      {"1.0alpha1", "1.0a1", 0},
      {"1.0c1", "1.0rc1", 0},
      {"1.0-rev2", "1.0.post2", 0},
      {"v2.31.0", "2.31", 0},
      {"2.31.0", "2.4.1", 1},
      {"not a version", "0.0.1", -1},
  });
}

TEST(Version, Semver) {
  ExpectOrder(CompareSemver, {
      {"1.0.0", "1.0.0", 0},
      {"v1.2.3", "1.2.3", 0},
      {"1.0.0-alpha", "1.0.0", -1},
      {"1.0.0-alpha", "1.0.0-alpha.1", -1},
      {"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
      {"1.0.0-beta.2", "1.0.0-beta.11", -1},
      {"1.0.0-rc.1", "1.0.0", -1},
      {"1.0.0+build.1", "1.0.0", 0},
      {"v2.0.0+incompatible", "v2.0.0", 0},
      {"1.10.0", "1.9.9", 1},
      {"v0.0.0-20230101120000-abcdef123456", "v0.1.0", -1},
      {"1.2", "1.2.0", 0},
      {"99999999999999999999.0.0", "1.0.0", 1},
  });
}

TEST(Version, Maven) {
  ExpectOrder(CompareMaven, {
      {"1", "1.0", 0},
      {"1.0", "1.0.0", 0},
      {"1-alpha-1", "1-beta-1", -1},
      {"1-beta", "1-milestone", -1},
      {"1-m1", "1-rc1", -1},
      {"1-rc", "1-cr", 0},
      {"1-rc", "1-snapshot", -1},
      {"1-snapshot", "1", -1},
      {"1", "1-sp", -1},
      {"1-sp", "1-abc", -1},
      {"1.0.RELEASE", "1.0", 0},
      {"1.0-final", "1.0-ga", 0},
      {"1.0a1", "1.0-alpha-1", 0},
      {"1.0-1", "1.0.1", -1},
      {"2.13.4.2", "2.13.4", 1},
      {"2.17.0", "2.9.1", 1},
      {"5.3.18", "5.3.2", 1},
      {"1.0-alpha", "1.0", -1},
  });
}

// dpkg itself as the oracle: pairs built from the characters that matter to the order.
TEST(Version, DpkgAgreesWithDpkgCompareVersions) {
  if (std::system("command -v dpkg >/dev/null 2>&1") != 0) GTEST_SKIP() << "no dpkg here";
  std::mt19937 rng(20261201);
  const std::string parts[] = {"0", "1", "2", "10", "01", "a", "b", "~", "~~", "+", ".", "~rc1", "+b1", "+deb12u1", "z"};
  auto version = [&]() {
    std::string v;
    if (rng() % 5 == 0) v = std::to_string(rng() % 3) + ":";
    v += std::to_string(rng() % 3);
    for (unsigned n = rng() % 4; n > 0; --n) v += parts[rng() % std::size(parts)];
    if (rng() % 2) v += "-" + std::to_string(rng() % 3) + parts[rng() % std::size(parts)];
    return v;
  };
  for (int i = 0; i < 250; ++i) {
    std::string a = version(), b = version();
    int want = 0;
    auto dpkg = [&](const char* op) {
      std::string cmd = "dpkg --compare-versions '" + a + "' " + op + " '" + b + "' 2>/dev/null";
      int rc = std::system(cmd.c_str());
      return WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
    };
    if (dpkg("lt")) want = -1;
    else if (dpkg("gt")) want = 1;
    EXPECT_EQ(Sign(CompareDpkg(a, b)), want) << a << " vs " << b;
  }
}

TEST(Version, EcosystemsFromOsvNames) {
  EXPECT_EQ(EcosystemFromOsv("Debian:12"), Ecosystem::kDebian);
  EXPECT_EQ(EcosystemFromOsv("Alpine:v3.19"), Ecosystem::kAlpine);
  EXPECT_EQ(EcosystemFromOsv("Red Hat"), Ecosystem::kRpm);
  EXPECT_EQ(EcosystemFromOsv("PyPI"), Ecosystem::kPyPI);
  EXPECT_EQ(EcosystemFromOsv("Go"), Ecosystem::kGo);
  EXPECT_EQ(EcosystemFromOsv("crates.io"), std::nullopt);
  EXPECT_EQ(Sign(CompareVersions(Ecosystem::kNpm, "1.2.3", "1.10.0")), -1);
}

}  // namespace
}  // namespace berth::scan
