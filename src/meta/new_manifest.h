// meta/new_manifest.h
//
// What the metadata store records of a parsed manifest: shared by every way a manifest is
// stored (a /v2/ push, ECR's PutImage, the pull-through cache's import).
#pragma once

#include <string>

#include "meta/metadata_store.h"
#include "oci/manifest.h"

namespace berth::meta {

inline NewManifest ToNewManifest(const oci::Manifest& m, oci::Digest digest, std::string payload) {
  NewManifest out{.digest = std::move(digest), .media_type = m.media_type, .artifact_type = m.artifact_type,
                  .annotations_json = m.annotations_json, .payload = std::move(payload)};
  if (m.subject) out.subject = m.subject->digest;
  for (const oci::Descriptor& d : m.blobs) {
    // Foreign layers live elsewhere (their urls); they need not be in the repository.
    if (d.has_urls) {
      out.foreign_blobs.push_back(d.digest);
    } else {
      out.blobs.push_back({d.digest, d.size});
    }
  }
  for (const oci::Descriptor& d : m.manifests) out.manifests.push_back(d.digest);
  return out;
}

}  // namespace berth::meta
