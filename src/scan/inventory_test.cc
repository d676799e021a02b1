// Layers built here (scan/test_layers.h): the reader, the whiteout merge and the package
// databases together, and layers written to hurt.
#include "scan/inventory.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scan/image_fs.h"
#include "scan/layer_reader.h"
#include "scan/test_layers.h"

namespace berth::scan {
namespace {

std::string Dpkg(const std::vector<std::tuple<std::string, std::string, std::string>>& packages) {
  std::string s;
  for (const auto& [name, version, status] : packages) {
    s += "Package: " + name + "\nStatus: " + status + "\nPriority: optional\nArchitecture: amd64\nVersion: " + version +
         "\nDescription: the " + name + " package\n a continuation line: Package: not-a-package\n\n";
  }
  return s;
}

const char* kInstalled = "install ok installed";

LayerSummary Summarize(const std::string& layer, const LayerLimits& limits = {}) {
  auto summary = SummarizeLayerBytes(layer, limits, {});
  EXPECT_TRUE(summary.has_value()) << summary.error().message();
  return summary ? *summary : LayerSummary{};
}

std::vector<std::string> Names(const Inventory& inv) {
  std::vector<std::string> out;
  for (const auto& p : inv.packages) out.push_back(std::string(PackageTypeName(p.type)) + ":" + p.name + "=" + p.version + "@" + p.layer);
  return out;
}

TEST(Inventory, LayersWithWhiteoutsGiveTheFinalFileSystem) {
  auto l1 = MakeLayer({
      Dir("etc"), Link("etc/os-release", "../usr/lib/os-release"),
      {"usr/lib/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"},
      {"var/lib/dpkg/status", Dpkg({{"libc6", "2.36-9+deb12u4", kInstalled}, {"base-files", "12.4", kInstalled},
                                    {"old", "1.0", "deinstall ok config-files"}})},
  });
  auto l2 = MakeLayer({
      {"var/lib/dpkg/status", Dpkg({{"libc6", "2.36-9+deb12u4", kInstalled}, {"base-files", "12.4+deb12u1", kInstalled},
                                    {"curl", "7.88.1-10", kInstalled}})},
      {"var/lib/dpkg/status.d/extra", "Package: extra\nVersion: 1.0\nArchitecture: all\n"},
      {"var/lib/dpkg/status.d/extra.md5sums", "d41d8cd98f00b204e9800998ecf8427e  usr/bin/extra\n"},
      {"lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\n"},
  }, Compression::kZstd);
  auto l3 = MakeLayer({
      {"var/lib/dpkg/status.d/.wh.extra", ""},
      {"lib/apk/db/.wh..wh..opq", ""},
      {"lib/apk/db/other", "not a database"},
  }, Compression::kNone);
  auto s1 = Summarize(l1), s2 = Summarize(l2), s3 = Summarize(l3);
  Inventory inv = BuildInventory({{"sha256:l1", &s1}, {"sha256:l2", &s2}, {"sha256:l3", &s3}});
  EXPECT_EQ(inv.os.id, "debian");
  EXPECT_EQ(inv.os.version_id, "12");
  EXPECT_EQ(Names(inv), (std::vector<std::string>{"dpkg:base-files=12.4+deb12u1@sha256:l2", "dpkg:curl=7.88.1-10@sha256:l2",
                                                  "dpkg:libc6=2.36-9+deb12u4@sha256:l1"}));

  // Without the top layer, the distroless status.d entry and the apk database are still there.
  Inventory lower = BuildInventory({{"sha256:l1", &s1}, {"sha256:l2", &s2}});
  EXPECT_EQ(Names(lower), (std::vector<std::string>{"dpkg:base-files=12.4+deb12u1@sha256:l2", "dpkg:curl=7.88.1-10@sha256:l2",
                                                    "dpkg:extra=1.0@sha256:l2", "dpkg:libc6=2.36-9+deb12u4@sha256:l1",
                                                    "apk:musl=1.2.4-r2@sha256:l2"}));
}

TEST(Inventory, AWhiteoutOfTheDirectoryRemovesWhatIsInside) {
  auto l1 = MakeLayer({{"var/lib/dpkg/status", Dpkg({{"a", "1", kInstalled}})}});
  auto l2 = MakeLayer({{"var/lib/.wh.dpkg", ""}});
  auto l3 = MakeLayer({Link("var/lib/dpkg", "/nowhere")});
  auto s1 = Summarize(l1), s2 = Summarize(l2), s3 = Summarize(l3);
  EXPECT_EQ(BuildInventory({{"l1", &s1}}).packages.size(), 1u);
  EXPECT_TRUE(BuildInventory({{"l1", &s1}, {"l2", &s2}}).packages.empty());
  EXPECT_TRUE(BuildInventory({{"l1", &s1}, {"l3", &s3}}).packages.empty()) << "a symlink replaces the directory";
}

TEST(Inventory, HostilePathsStayInsideTheImage) {
  auto layer = MakeLayer({
      {"../../../../etc/os-release", "ID=evil-but-inside\n"},
      Link("a", "b"), Link("b", "a"),                  // a loop
      Link("usr/lib/os-release", "/../../../../../../etc/passwd"),
      Link("var/lib/dpkg", "../../../../../var/lib/dpkg-real"),
      {"var/lib/dpkg-real/status", "irrelevant"},
  });
  auto s = Summarize(layer);
  ImageFs fs;
  fs.BeginLayer(0);
  for (const auto& e : s.entries) fs.Add(e);
  for (const auto& [p, c] : s.files) fs.SetContent(p, c);
  fs.EndLayer();
  ASSERT_NE(fs.Find("etc/os-release"), nullptr);
  EXPECT_EQ(fs.Find("etc/os-release")->content, "ID=evil-but-inside\n");
  EXPECT_EQ(fs.Find("a"), nullptr);
  EXPECT_EQ(fs.Find("a/b/c"), nullptr);
  EXPECT_EQ(fs.Find("usr/lib/os-release"), nullptr) << "resolves to /etc/passwd of the image, which it has not";
  EXPECT_EQ(BuildInventory({{"l", &s}}).os.id, "evil-but-inside");
}

TEST(Inventory, SymlinkedDirectoriesResolve) {
  ImageFs fs;
  fs.BeginLayer(0);
  fs.Add({"lib", EntryType::kSymlink, 0, 0777, "usr/lib"});
  fs.Add({"usr/lib/apk/db/installed", EntryType::kFile, 3, 0644, ""});
  fs.SetContent("usr/lib/apk/db/installed", "abc");
  fs.Add({"etc/alt", EntryType::kSymlink, 0, 0777, "/lib/./apk/../apk/db"});
  fs.EndLayer();
  ASSERT_NE(fs.Find("lib/apk/db/installed"), nullptr);
  ASSERT_NE(fs.Find("etc/alt/installed"), nullptr);
  EXPECT_EQ(fs.Find("etc/alt/installed")->content, "abc");
}

TEST(LayerReader, BombsAndBrokenStreamsAreRefused) {
  std::string zeros(16 << 20, '\0');
  auto bomb = MakeLayer({{"zero", zeros}});
  LayerLimits limits;
  limits.max_ratio_free = 1 << 20;
  limits.max_ratio = 100;
  auto r = SummarizeLayerBytes(bomb, limits, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_NE(r.error().message().find("times its size"), std::string::npos) << r.error().message();

  LayerLimits small;
  small.max_uncompressed_bytes = 8 << 20;
  r = SummarizeLayerBytes(MakeLayer({{"zero", zeros}}, Compression::kNone), small, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("more than"), std::string::npos) << r.error().message();

  LayerLimits few;
  few.max_entries = 10;
  std::vector<TestEntry> many;
  for (int i = 0; i < 20; ++i) many.push_back({"f" + std::to_string(i), "x"});
  r = SummarizeLayerBytes(MakeLayer(many), few, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("entries"), std::string::npos);

  auto good = MakeLayer({{"var/lib/dpkg/status", Dpkg({{"a", "1", kInstalled}})}, {"big", std::string(1 << 20, 'x')}});
  r = SummarizeLayerBytes(good.substr(0, good.size() / 2), {}, {});
  ASSERT_FALSE(r.has_value()) << "a truncated gzip stream";
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  r = SummarizeLayerBytes(std::string(5000, 'A'), {}, {});
  ASSERT_FALSE(r.has_value()) << "not an archive";
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);

  SummaryOptions tight;
  tight.max_file_bytes = 100;
  r = SummarizeLayerBytes(MakeLayer({{"var/lib/dpkg/status", std::string(1000, 'x')}}), {}, tight);
  ASSERT_FALSE(r.has_value()) << "a package database over the limit";
}

TEST(Inventory, LanguagePackagesComeWithEnhancedScanning) {
  auto layer = MakeLayer({
      {"usr/lib/python3/dist-packages/requests-2.28.1.dist-info/METADATA",
       "Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\n\nName: not-this\n"},
      {"opt/venv/lib/python3.11/site-packages/legacy.egg-info/PKG-INFO", "Name: legacy\nVersion: 0.9\n"},
      {"app/node_modules/lodash/package.json", R"({"name":"lodash","version":"4.17.20"})"},
      {"app/node_modules/@babel/core/package.json", R"({"name":"@babel/core","version":"7.22.0"})"},
      {"app/node_modules/lodash/fp/package.json", R"({"name":"not-a-package","version":"1"})"},
      {"app/package.json", R"({"name":"the-app-itself","version":"1.0.0"})"},
      {"app/node_modules/broken/package.json", "{not json"},
  });
  SummaryOptions enhanced;
  enhanced.language_packages = true;
  auto full = SummarizeLayerBytes(layer, {}, enhanced);
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(Names(BuildInventory({{"l", &*full}})),
            (std::vector<std::string>{"python:legacy=0.9@l", "python:requests=2.28.1@l", "npm:@babel/core=7.22.0@l",
                                      "npm:lodash=4.17.20@l"}));
  auto basic = Summarize(layer);
  EXPECT_TRUE(BuildInventory({{"l", &basic}}).packages.empty()) << "BASIC scans read only the OS databases";
}

// A Go 1.18+ executable as far as the scanner cares: ELF magic, then somewhere the build info.
std::string GoBinary(const std::string& version, const std::string& modinfo) {
  auto varint = [](size_t n) {
    std::string s;
    while (n >= 0x80) {
      s.push_back(static_cast<char>((n & 0x7f) | 0x80));
      n >>= 7;
    }
    s.push_back(static_cast<char>(n));
    return s;
  };
  std::string sentinel_start = "0w\xaf\x0c\x92t\x08\x02" "A\xe1\xc1\x07\xe6\xd6\x18\xe6";
  std::string sentinel_end("\xf9" "2C1\x86\x18 r\x00\x82" "B\x10" "A\x16\xd8\xf2", 16);  // holds a NUL
  std::string mods = sentinel_start + modinfo + sentinel_end;
  std::string header = std::string("\xff Go buildinf:", 14) + "\x08\x02" + std::string(16, '\0');
  // The magic lands across the reader's 256 KiB pieces' boundary, as it may in a real binary.
  std::string binary = "\x7f" "ELF" + std::string((256 << 10) - 10, 'x');
  return binary + header + varint(version.size()) + version + varint(mods.size()) + mods + std::string(5000, 'y');
}

TEST(Inventory, GoProgramsBringTheirModules) {
  std::string modinfo =
      "path\texample.com/cmd/app\nmod\texample.com/app\t(devel)\t\n"
      "dep\tgolang.org/x/net\tv0.17.0\th1:abc=\n"
      "dep\tgithub.com/old/lib\tv1.0.0\th1:def=\n=>\tgithub.com/fork/lib\tv1.0.1\th1:ghi=\n"
      "dep\tgithub.com/local/lib\tv0.0.0\n=>\t../lib\t\t\n"
      "build\t-compiler=gc\n";
  auto layer = MakeLayer({
      {"usr/local/bin/app", GoBinary("go1.21.3", modinfo), EntryType::kFile, "", 0755},
      {"usr/local/bin/not-exec", GoBinary("go1.20", modinfo)},
      {"usr/local/bin/script", "#!/bin/sh\n" + std::string(4000, '#') + "\xff Go buildinf:", EntryType::kFile, "", 0755},
  });
  SummaryOptions enhanced;
  enhanced.language_packages = true;
  auto summary = SummarizeLayerBytes(layer, {}, enhanced);
  ASSERT_TRUE(summary.has_value()) << summary.error().message();
  EXPECT_EQ(Names(BuildInventory({{"l", &*summary}})),
            (std::vector<std::string>{"go:github.com/fork/lib=v1.0.1@l", "go:golang.org/x/net=v0.17.0@l",
                                      "go:stdlib=1.21.3@l"}));
  EXPECT_LT(summary->files.at(0).second.size(), 1000u) << "only the build info is kept, not the binary";
  auto basic = SummarizeLayerBytes(layer, {}, {});
  EXPECT_TRUE(BuildInventory({{"l", &*basic}}).packages.empty());
}

TEST(Inventory, JavaArchivesNameWhatTheyBundle) {
  auto pom = [](std::string g, std::string a, std::string v) {
    return "#Generated by Maven\ngroupId=" + g + "\nartifactId=" + a + "\nversion=" + v + "\n";
  };
  auto inner = MakeZip({{"META-INF/maven/org.yaml/snakeyaml/pom.properties", pom("org.yaml", "snakeyaml", "1.33")}});
  auto app = MakeZip({
      {"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"},
      {"META-INF/maven/com.example/app/pom.properties", pom("com.example", "app", "1.0.0")},
      {"BOOT-INF/lib/snakeyaml-1.33.jar", inner},
      {"BOOT-INF/classes/x.class", std::string(3000, 'c')},
  });
  auto log4j = MakeZip({{"META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                         pom("org.apache.logging.log4j", "log4j-core", "2.14.1")}});
  auto layer = MakeLayer({{"app/app.jar", app}, {"opt/lib/log4j-core-2.14.1.jar", log4j}, {"opt/lib/broken.jar", "PK not really"}});
  SummaryOptions enhanced;
  enhanced.language_packages = true;
  auto summary = SummarizeLayerBytes(layer, {}, enhanced);
  ASSERT_TRUE(summary.has_value()) << summary.error().message();
  EXPECT_EQ(Names(BuildInventory({{"l", &*summary}})),
            (std::vector<std::string>{"maven:com.example:app=1.0.0@l", "maven:org.apache.logging.log4j:log4j-core=2.14.1@l",
                                      "maven:org.yaml:snakeyaml=1.33@l"}));
}

TEST(LayerReader, NormalizesPaths) {
  EXPECT_EQ(NormalizePath("./etc/os-release"), "etc/os-release");
  EXPECT_EQ(NormalizePath("/etc//apk/./db/"), "etc/apk/db");
  EXPECT_EQ(NormalizePath("../../x/../y"), "y");
  EXPECT_EQ(NormalizePath(".."), "");
}

TEST(Packages, Parsers) {
  auto dpkg = ParseDpkgStatus(
      "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl (3.0.11-1~deb12u2)\n"
      "Version: 3.0.11-1~deb12u2+b1\nDescription: x\n more\n\nPackage: half\nStatus: install ok half-installed\n"
      "Version: 1\n\nPackage: noversion\nStatus: install ok installed\n");
  ASSERT_EQ(dpkg.size(), 1u);
  EXPECT_EQ(dpkg[0].name, "libssl3");
  EXPECT_EQ(dpkg[0].source_name, "openssl");
  EXPECT_EQ(dpkg[0].source_version, "3.0.11-1~deb12u2");
  EXPECT_EQ(dpkg[0].version, "3.0.11-1~deb12u2+b1");

  auto apk = ParseApkInstalled("C:Q1abc=\nP:libcrypto3\nV:3.1.4-r5\nA:x86_64\no:openssl\n\nP:broken\n\nP:zlib\nV:1.3-r2\n");
  ASSERT_EQ(apk.size(), 2u);
  EXPECT_EQ(apk[0].source_name, "openssl");
  EXPECT_EQ(apk[1].source_name, "zlib");

  auto os = ParseOsRelease("# c\nNAME='Alpine Linux'\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine \\\"x\\\"\"\n");
  EXPECT_EQ(os.id, "alpine");
  EXPECT_EQ(os.version_id, "3.19.1");
  EXPECT_EQ(os.pretty_name, "Alpine \"x\"");
}

}  // namespace
}  // namespace berth::scan
