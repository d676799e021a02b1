#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/names.h"
#include "oci/range.h"

namespace berth::oci {
namespace {

const std::string kHex(64, 'a');
const std::string kDigest = "sha256:" + kHex;

TEST(Digest, ParsesCanonicalForms) {
  Result<Digest> d = Digest::Parse(kDigest);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->hex(), kHex);
  EXPECT_EQ(d->str(), kDigest);
  EXPECT_TRUE(Digest::Parse("sha512:" + std::string(128, '0')).has_value());
}

TEST(Digest, RejectsEverythingElse) {
  for (const std::string& bad : std::vector<std::string>{std::string(""), std::string("sha256"), std::string("sha256:"),
                          "sha256:" + std::string(63, 'a'), "sha256:" + std::string(65, 'a'),
                          "sha256:" + std::string(64, 'A'), "sha256:" + std::string(64, 'g'),
                          "md5:" + std::string(32, 'a'), "SHA256:" + kHex, " " + kDigest,
                          "sha512:" + std::string(64, 'a')}) {
    Result<Digest> d = Digest::Parse(bad);
    ASSERT_FALSE(d.has_value()) << bad;
    EXPECT_EQ(d.error().reason(), "DIGEST_INVALID");
  }
}

TEST(Digest, HashesContent) {
  EXPECT_EQ(Digest::Sha256Of("").str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(RepositoryName, AcceptsTheGrammar) {
  for (const std::string& ok : std::vector<std::string>{"a", "library/debian", "a/b/c/d", "my-app", "my--app", "my_app",
                         "my__app", "my.app", "a0/b1-c2.d3_e4", std::string(255, 'a')}) {
    EXPECT_TRUE(ValidateRepositoryName(ok).has_value()) << ok;
  }
}

TEST(RepositoryName, RejectsOffGrammarNames) {
  for (const std::string& bad : std::vector<std::string>{"", "A", "Library/debian", "a//b", "/a", "a/", "a/../b", "..", "a/.b",
                          "a_", "-a", "a___b", "a..b", "a b", "a:b", "a%2fb", std::string(256, 'a'),
                          "a\nb"}) {
    Status s = ValidateRepositoryName(bad);
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_EQ(s.error().reason(), "NAME_INVALID");
  }
}

TEST(Tag, FollowsTheGrammar) {
  for (const std::string& ok : std::vector<std::string>{"latest", "v1.2.3", "_x", "A-b_c.d", std::string(128, 'x')}) {
    EXPECT_TRUE(ValidateTag(ok).has_value()) << ok;
  }
  for (const std::string& bad : std::vector<std::string>{"", ".x", "-x", "a/b", "a:b", "a b", std::string(129, 'x')}) {
    Status s = ValidateTag(bad);
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_EQ(s.error().reason(), "TAG_INVALID");
  }
}

TEST(Reference, IsTagOrDigest) {
  Result<Reference> tag = Reference::Parse("v1");
  ASSERT_TRUE(tag.has_value());
  EXPECT_FALSE(tag->is_digest());
  EXPECT_EQ(tag->tag(), "v1");
  Result<Reference> digest = Reference::Parse(kDigest);
  ASSERT_TRUE(digest.has_value());
  EXPECT_TRUE(digest->is_digest());
  EXPECT_EQ(Reference::Parse("sha256:short").error().reason(), "DIGEST_INVALID");
  EXPECT_EQ(Reference::Parse("bad/tag").error().reason(), "TAG_INVALID");
}

TEST(RangeHeader, ResolvesAgainstTheBlobSize) {
  EXPECT_EQ(*ParseRangeHeader("bytes=0-9", 100), (ByteSpan{0, 9}));
  EXPECT_EQ(*ParseRangeHeader("bytes=90-", 100), (ByteSpan{90, 99}));
  EXPECT_EQ(*ParseRangeHeader("bytes=90-1000", 100), (ByteSpan{90, 99}));
  EXPECT_EQ(*ParseRangeHeader("bytes=-10", 100), (ByteSpan{90, 99}));
  EXPECT_EQ(*ParseRangeHeader("bytes=-1000", 100), (ByteSpan{0, 99}));
}

TEST(RangeHeader, RejectsBadAndUnsatisfiableRanges) {
  for (const std::string& bad : std::vector<std::string>{"bytes=100-", "bytes=5-4", "bytes=-0", "bytes=a-b", "items=0-1",
                          "bytes=0-1,5-6", "bytes=", "bytes=--1", "bytes=99999999999999999999999-"}) {
    Result<ByteSpan> r = ParseRangeHeader(bad, 100);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().reason(), "RANGE_INVALID");
  }
  EXPECT_FALSE(ParseRangeHeader("bytes=0-", 0).has_value());
}

TEST(ContentRange, AcceptsOciAndRfcForms) {
  EXPECT_EQ(*ParseContentRange("0-1023"), (ByteSpan{0, 1023}));
  EXPECT_EQ(*ParseContentRange("bytes 1024-2047/*"), (ByteSpan{1024, 2047}));
  for (const std::string& bad : std::vector<std::string>{"", "5", "5-", "-5", "9-3", "a-b", "0-1-2"}) {
    EXPECT_FALSE(ParseContentRange(bad).has_value()) << bad;
  }
}

std::string Desc(std::string_view media_type, std::string_view digest = kDigest, int size = 3) {
  return R"({"mediaType":")" + std::string(media_type) + R"(","digest":")" + std::string(digest) +
         R"(","size":)" + std::to_string(size) + "}";
}

TEST(Manifest, ParsesAnOciImageManifest) {
  std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" +
                     Desc("application/vnd.oci.image.config.v1+json") + R"(,"layers":[)" +
                     Desc("application/vnd.oci.image.layer.v1.tar+gzip") + "]}";
  Result<Manifest> m = ParseManifest(std::string(kOciManifest), body);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->kind, ManifestKind::kImage);
  EXPECT_EQ(m->blobs.size(), 2u);
  EXPECT_EQ(m->artifact_type, "application/vnd.oci.image.config.v1+json");
}

TEST(Manifest, InfersTheTypeWhenTheBodyOmitsIt) {
  std::string body = R"({"schemaVersion":2,"config":)" + Desc("application/vnd.oci.image.config.v1+json") +
                     R"(,"layers":[]})";
  Result<Manifest> m = ParseManifest("", body);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->media_type, kOciManifest);
  Result<Manifest> from_header = ParseManifest(std::string(kOciManifest) + "; charset=utf-8", body);
  ASSERT_TRUE(from_header.has_value());
}

TEST(Manifest, ParsesArtifactsWithSubject) {
  std::string body =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sbom","config":)" +
      Desc("application/vnd.oci.empty.v1+json", kDigest, 2) + R"(,"layers":[)" +
      Desc("application/vnd.oci.empty.v1+json", kDigest, 2) + R"(],"subject":)" +
      Desc(kOciManifest, "sha256:" + std::string(64, 'b'), 100) +
      R"(,"annotations":{"org.example":"x"}})";
  Result<Manifest> m = ParseManifest(std::string(kOciManifest), body);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->artifact_type, "application/vnd.example.sbom");
  ASSERT_TRUE(m->subject.has_value());
  EXPECT_EQ(m->subject->digest.hex(), std::string(64, 'b'));
  EXPECT_EQ(m->annotations_json, R"({"org.example":"x"})");
}

TEST(Manifest, ParsesIndexesAndManifestLists) {
  std::string index = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)" +
                      Desc(kOciManifest) + "]}";
  Result<Manifest> m = ParseManifest(std::string(kOciIndex), index);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->kind, ManifestKind::kIndex);
  EXPECT_EQ(m->manifests.size(), 1u);
  std::string list = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[)" +
                     Desc(kDockerManifest) + "]}";
  EXPECT_TRUE(ParseManifest(std::string(kDockerManifestList), list).has_value());
}

TEST(Manifest, RejectsInvalidDocuments) {
  const std::string config = Desc("application/vnd.oci.image.config.v1+json");
  for (const std::string& bad : std::vector<std::string>{
           std::string("not json"), std::string("[]"), std::string("{}"),
           std::string(R"({"schemaVersion":1})"),
           R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})",
           R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" + config + "}",
           R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" + config + R"(,"layers":[{"mediaType":"x/y","digest":"sha256:1","size":1}]})",
           R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" + config + R"(,"layers":[{"mediaType":"x/y","digest":")" + kDigest + R"(","size":-1}]})",
           R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" + config + R"(,"layers":[{"mediaType":"nope","digest":")" + kDigest + R"(","size":1}]})",
           R"({"schemaVersion":2,"mediaType":"text/plain","config":)" + config + R"(,"layers":[]})",
           R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":{}})",
           R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" + config + R"(,"layers":[],"annotations":{"a":1}})",
           std::string(R"({"a":)") + std::string(100, '[') + std::string(100, ']') + "}",
       }) {
    Result<Manifest> m = ParseManifest("", bad);
    ASSERT_FALSE(m.has_value()) << bad;
    EXPECT_EQ(m.error().reason(), "MANIFEST_INVALID") << bad;
  }
}

TEST(Manifest, RejectsContentTypeThatContradictsTheBody) {
  std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";
  EXPECT_FALSE(ParseManifest(std::string(kOciManifest), body).has_value());
  EXPECT_TRUE(ParseManifest(std::string(kOciIndex), body).has_value());
}

TEST(Manifest, RejectsOversizedBodies) {
  std::string huge(kMaxManifestBytes + 1, ' ');
  EXPECT_EQ(ParseManifest("", huge).error().reason(), "MANIFEST_INVALID");
}

}  // namespace
}  // namespace berth::oci
