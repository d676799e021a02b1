// meta/sqlite/backup.h
//
// A consistent copy of the embedded metadata database, taken while a Berth serves from it, for
// `berth backup`.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "oci/digest.h"

namespace berth::meta::sqlite {

struct DatabaseSnapshot {
  std::vector<oci::Digest> blobs;  // every blob the snapshot's metadata knows
  int64_t repositories = 0;
  int64_t manifests = 0;
  int64_t dropped_uploads = 0;  // upload sessions left out (their bytes are not copied)
};

// Copies the database at `source` into a new file `dest` through SQLite's online backup: one
// read transaction, so the copy holds every change committed before it began and none half-done,
// while writers go on (WAL). Upload sessions are removed from the copy, since their partial
// bytes are not part of a backup. `source` must exist and not be from a newer Berth; `dest` must
// not exist. The copy is durable when this returns. Blocks.
Result<DatabaseSnapshot> SnapshotDatabase(const std::string& source, const std::string& dest);

}  // namespace berth::meta::sqlite
