// scan/rpmdb.h
//
// RPM's package database as RHEL 9, Fedora, Rocky, Alma and openSUSE images keep it
// (rpmdb.sqlite: a Packages table of RPM header blobs), read from the file's bytes in memory
// with SQLite's deserialize (never opened on disk), and the header blob format itself. Headers
// come from the image, so every count, offset and string is bounds-checked; a malformed header
// is skipped.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "scan/packages.h"

namespace berth::scan {

// One header blob (int32 index count, int32 data length, the index, the data): name, version
// ("[epoch:]version-release"), arch and source package, or none when malformed or a
// gpg-pubkey pseudo-package.
std::optional<Package> ParseRpmHeader(std::string_view blob);

// Every package in an rpmdb.sqlite file. kInvalidArgument when it is not such a database.
Result<std::vector<Package>> ParseRpmSqlite(std::string_view file);

}  // namespace berth::scan
