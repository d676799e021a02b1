// api/upload_sessions.h
//
// Ending an upload session is two steps in two stores: the session row, then the partial file.
// In that order, so a crash in between leaves an unreferenced file, never a session without
// its bytes. Blocking; run it on the blocking pool.
#pragma once

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

}  // namespace berth::api
