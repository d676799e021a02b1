// server/vulndb_cli.h
//
// `berth vulndb`: the vulnerability database scanning matches against, kept in the metadata
// store so every node of a cluster sees the same one. Safe while Berth serves.
//   berth vulndb import [--data DIR | --meta URI] PATH...   OSV JSON files, directories of them,
//                        or OSV's per-ecosystem zip archives; unchanged advisories are skipped
//   berth vulndb status [--data DIR | --meta URI]           what is loaded, and how old it is
// Exit status 0 on success, 1 when some documents were refused (the rest are imported), 2 on
// bad usage or failure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::server {

inline constexpr std::string_view kVulnDbUsage =
    "usage: berth vulndb import [--data DIR | --meta URI] PATH...\n"
    "       berth vulndb status [--data DIR | --meta URI]\n"
    "  --data DIR   the data directory of an embedded Berth (default ./data); it may be serving\n"
    "  --meta URI   the PostgreSQL of a cluster (postgres://...)\n"
    "  PATH         an OSV JSON file, a directory of them, or an OSV zip archive (all.zip)\n";

int RunVulnDb(const std::vector<std::string>& args);

}  // namespace berth::server
