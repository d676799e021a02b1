#include "oci/convert.h"

#include <gtest/gtest.h>

#include <string>

#include "oci/manifest.h"

namespace berth::oci {
namespace {

const std::string kD1 = "sha256:" + std::string(64, '1');
const std::string kD2 = "sha256:" + std::string(64, '2');
const std::string kD3 = "sha256:" + std::string(64, '3');

std::string Image(std::string_view manifest_type, std::string_view config_type, std::string_view layer_type,
                  std::string_view extra = "") {
  return R"({"schemaVersion":2,"mediaType":")" + std::string(manifest_type) + R"(","config":{"mediaType":")" +
         std::string(config_type) + R"(","digest":")" + kD1 + R"(","size":10},"layers":[{"mediaType":")" +
         std::string(layer_type) + R"(","digest":")" + kD2 + R"(","size":20}])" + std::string(extra) + "}";
}

constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
constexpr std::string_view kOciGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr std::string_view kDockerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

TEST(ConvertImageManifest, OciToDockerRewritesOnlyMediaTypesAndParsesAsDocker) {
  std::string oci = Image(kOciManifest, kOciConfig, kOciGzip);
  std::optional<ConvertedManifest> docker = ConvertImageManifest(oci, kOciManifest, kDockerManifest);
  ASSERT_TRUE(docker.has_value());
  EXPECT_EQ(docker->media_type, kDockerManifest);
  EXPECT_EQ(docker->payload, Image(kDockerManifest, kDockerConfig, kDockerGzip));
  Result<Manifest> parsed = ParseManifest(kDockerManifest, docker->payload);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(parsed->blobs.size(), 2u);
  EXPECT_EQ(parsed->blobs[1].digest.str(), kD2);
}

TEST(ConvertImageManifest, DockerToOciAndBackIsTheSameBytes) {
  std::string docker = Image(kDockerManifest, kDockerConfig, kDockerGzip);
  std::optional<ConvertedManifest> oci = ConvertImageManifest(docker, kDockerManifest, kOciManifest);
  ASSERT_TRUE(oci.has_value());
  EXPECT_EQ(oci->payload, Image(kOciManifest, kOciConfig, kOciGzip));
  EXPECT_TRUE(ParseManifest(kOciManifest, oci->payload).has_value());
  std::optional<ConvertedManifest> back = ConvertImageManifest(oci->payload, kOciManifest, kDockerManifest);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->payload, docker);
}

TEST(ConvertImageManifest, ForeignAndUncompressedLayersHaveCounterparts) {
  std::optional<ConvertedManifest> foreign = ConvertImageManifest(
      Image(kOciManifest, kOciConfig, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"), kOciManifest,
      kDockerManifest);
  ASSERT_TRUE(foreign.has_value());
  EXPECT_NE(foreign->payload.find("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"), std::string::npos);
  std::optional<ConvertedManifest> plain =
      ConvertImageManifest(Image(kOciManifest, kOciConfig, "application/vnd.oci.image.layer.v1.tar"), kOciManifest,
                           kDockerManifest);
  ASSERT_TRUE(plain.has_value());
  EXPECT_NE(plain->payload.find("\"application/vnd.docker.image.rootfs.diff.tar\""), std::string::npos);
}

TEST(ConvertImageManifest, RefusesWhatTheOtherFormatCannotCarry) {
  // zstd layers have no Docker schema 2 type.
  EXPECT_FALSE(ConvertImageManifest(Image(kOciManifest, kOciConfig, "application/vnd.oci.image.layer.v1.tar+zstd"),
                                    kOciManifest, kDockerManifest));
  // Artifacts: another config type, an artifactType, a subject.
  EXPECT_FALSE(ConvertImageManifest(Image(kOciManifest, "application/vnd.example.config+json", kOciGzip),
                                    kOciManifest, kDockerManifest));
  EXPECT_FALSE(ConvertImageManifest(
      Image(kOciManifest, kOciConfig, kOciGzip, R"(,"artifactType":"application/vnd.example")"), kOciManifest,
      kDockerManifest));
  EXPECT_FALSE(ConvertImageManifest(
      Image(kOciManifest, kOciConfig, kOciGzip,
            R"(,"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + kD3 +
                R"(","size":1})"),
      kOciManifest, kDockerManifest));
  // Indexes and lists are not image manifests; malformed input is refused, never guessed at.
  EXPECT_FALSE(ConvertImageManifest(R"({"schemaVersion":2,"manifests":[]})", kOciIndex, kDockerManifestList));
  EXPECT_FALSE(ConvertImageManifest("{not json", kOciManifest, kDockerManifest));
  EXPECT_FALSE(ConvertImageManifest(R"({"config":{},"layers":[]})", kOciManifest, kDockerManifest));
  EXPECT_FALSE(ConvertImageManifest(R"({"config":{"mediaType":1},"layers":{}})", kOciManifest, kDockerManifest));
}

TEST(ConvertibleTo, PairsTheTwoImageFormats) {
  EXPECT_EQ(ConvertibleTo(kOciManifest), kDockerManifest);
  EXPECT_EQ(ConvertibleTo(kDockerManifest), kOciManifest);
  EXPECT_EQ(ConvertibleTo(kOciIndex), "");
  EXPECT_EQ(ConvertibleTo(kDockerManifestList), "");
}

TEST(ServableForm, StoredIfAcceptedElseConvertedElseNothing) {
  std::string oci = Image(kOciManifest, kOciConfig, kOciGzip);
  auto only = [](std::string_view t) { return [t](std::string_view type) { return type == t; }; };
  std::optional<ConvertedManifest> stored = ServableForm(kOciManifest, oci, [](std::string_view) { return true; });
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->payload, oci);
  std::optional<ConvertedManifest> docker = ServableForm(kOciManifest, oci, only(kDockerManifest));
  ASSERT_TRUE(docker.has_value());
  EXPECT_EQ(docker->media_type, kDockerManifest);
  EXPECT_EQ(docker->payload, Image(kDockerManifest, kDockerConfig, kDockerGzip));
  EXPECT_FALSE(ServableForm(kOciManifest, oci, only(kDockerManifestList)).has_value());
  EXPECT_FALSE(ServableForm(kOciIndex, R"({"schemaVersion":2,"manifests":[]})", only(kDockerManifestList)));
}

TEST(ConvertImageManifest, SameTypeIsUnchanged) {
  std::string oci = Image(kOciManifest, kOciConfig, kOciGzip);
  std::optional<ConvertedManifest> same = ConvertImageManifest(oci, kOciManifest, kOciManifest);
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->payload, oci);
}

}  // namespace
}  // namespace berth::oci
