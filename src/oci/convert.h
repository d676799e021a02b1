// oci/convert.h
//
// Rewrites an image manifest between the OCI and Docker schema 2 formats, as ECR does when a
// client pulls by tag and does not accept the stored format (ECR's table: OCI -> Docker schema 2
// and Docker schema 2 -> OCI). The two formats describe the same image: only the media types
// of the manifest, the config and the layers change, so the config and layer blobs are shared.
//
// A converted manifest is new bytes with its own digest; it is never stored. Conversion is
// deterministic, so every pull of one stored manifest yields the same converted digest.
//
// Pure; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace berth::oci {

struct ConvertedManifest {
  std::string media_type;
  std::string payload;
};

// The one other format a manifest of `media_type` may be converted to: Docker schema 2 for an
// OCI image manifest and the reverse; empty for every other type.
std::string_view ConvertibleTo(std::string_view media_type);

// The manifest `payload` of type `from` rewritten as `to`; nullopt when it has no faithful
// counterpart there: indexes and lists, artifacts (a subject, an artifactType, a config that is
// not an image config), layer types the target lacks (zstd in Docker schema 2), or malformed
// input. Converting to the same type returns the payload unchanged.
std::optional<ConvertedManifest> ConvertImageManifest(std::string_view payload, std::string_view from,
                                                      std::string_view to);

// What to serve a client whose acceptable media types `accepts` admits, for a stored manifest:
// the stored form if admitted, else its conversion to the other image format if that is admitted
// and possible; nullopt when neither.
std::optional<ConvertedManifest> ServableForm(std::string_view media_type, std::string payload,
                                              const std::function<bool(std::string_view)>& accepts);

}  // namespace berth::oci
