// api/upload_sessions.h
//
// Ending an upload session is two steps in two stores: the session row, then the partial file.
// In that order, so a crash in between leaves an unreferenced file, never a session without
// its bytes. Blocking; run it on the blocking pool.
//
// Committing an upload asks BytesPresent whether the published bytes survived garbage
// collection (meta::RegistryIndex::CommitUpload says when).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "blob/blob_store.h"
#include "meta/metadata_store.h"

namespace berth::api {

inline Status EndUploadSession(meta::UploadSessions& sessions, blob::BlobStore& blobs,
                               std::string_view upload_id) {
  BERTH_TRY(sessions.DeleteUpload(upload_id));
  return blobs.DeleteUpload(upload_id);
}

// A session idle past its timeout is gone from that instant, whether or not the purge has
// removed its row yet: its expiry must not depend on when the purge last ran.
inline bool IdlePastTimeout(const meta::UploadRecord& upload, int64_t now, std::chrono::seconds idle_timeout) {
  return upload.updated_at < now - idle_timeout.count();
}

inline std::function<Status()> BytesPresent(blob::BlobStore& blobs, const berth::oci::Digest& digest) {
  return [&blobs, &digest]() -> Status {
    Result<std::unique_ptr<blob::BlobReader>> reader = blobs.Open(digest);
    if (reader) return {};
    if (reader.error().code() != Code::kNotFound) return std::unexpected(std::move(reader).error());
    return Fail(Code::kUnavailable, "blob " + digest.str() + " was garbage-collected while it was uploaded; "
                "upload it again");
  };
}

}  // namespace berth::api
