// oci/manifest.h
//
// Parses and validates a pushed manifest: OCI image manifest, OCI image index, Docker schema 2
// manifest, Docker manifest list, and OCI 1.1 artifacts (artifactType, any config media type,
// empty descriptors). It checks structure only; whether the referenced content exists is the
// registry's job. Errors have reason MANIFEST_INVALID (or DIGEST_INVALID for a bad digest).
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "oci/digest.h"

namespace berth::oci {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr size_t kMaxManifestBytes = 4 * 1024 * 1024;

bool IsManifestMediaType(std::string_view media_type);

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::string artifact_type;     // empty when absent
  std::string annotations_json;  // serialized object, empty when absent
  bool has_urls = false;         // a "foreign" layer served from elsewhere
};

enum class ManifestKind : uint8_t { kImage, kIndex };

struct Manifest {
  ManifestKind kind = ManifestKind::kImage;
  std::string media_type;     // as resolved from body and Content-Type
  std::string artifact_type;  // "artifactType", or for images the config's media type
  std::vector<Descriptor> blobs;      // config then layers (images)
  std::vector<Descriptor> manifests;  // children (indexes)
  std::optional<Descriptor> subject;
  std::string annotations_json;  // serialized object, empty when absent
};

// `content_type` is the request's Content-Type (parameters ignored; may be empty).
Result<Manifest> ParseManifest(std::string_view content_type, std::string_view body);

}  // namespace berth::oci
