// server/backup.h
//
// `berth backup --data DIR --to DEST`: a consistent copy of an embedded data directory, taken
// while a Berth serves from it and takes pushes. DEST is itself a data directory
// (`berth serve --data DEST` serves it):
//   1. the metadata database through SQLite's online backup (one snapshot);
//   2. every blob that snapshot knows, hard-linked where DEST shares the file system (blobs are
//      immutable, so a link is a copy that costs nothing), copied otherwise or with --copy;
//   3. secret.key and admin-credentials.
// Everything acknowledged before the backup began is in it; nothing in it refers to a missing
// blob, since a blob is on disk before its metadata row commits. Upload sessions in progress
// are not carried over (their clients start them again). The backup is built beside DEST and
// renamed into place, so DEST either is a whole backup or does not exist.
#pragma once

#include <string>
#include <vector>

namespace berth::server {

inline constexpr std::string_view kBackupUsage =
    "usage: berth backup --to DEST [--data DIR] [--copy]\n"
    "  --to DEST   the new data directory to write (must not exist)\n"
    "  --data DIR  the data directory to back up (default ./data); it may be serving\n"
    "  --copy      copy blobs even where hard links would do\n";

// Runs the command with the arguments after "backup"; returns the process exit status.
int RunBackup(const std::vector<std::string>& args);

}  // namespace berth::server
