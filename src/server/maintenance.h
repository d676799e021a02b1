// server/maintenance.h
//
// One-off commands on an embedded data directory (SQLite metadata, blobs under DIR/blobs),
// safe to run while a Berth serves from it:
//   berth gc    one garbage collection (gc/collector.h) with a report; --dry-run only counts.
//   berth fsck  checks that every blob the metadata knows is stored whole (its bytes hash to its
//               digest), and that every stored blob is known; --repair moves corrupt bytes to
//               DIR/quarantine and deletes unknown bytes older than an hour (younger ones may be
//               an upload about to commit). Exit status 0 when the store is clean (after repair),
//               1 when it is not, 2 on bad usage or failure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::server {

inline constexpr std::string_view kGcUsage =
    "usage: berth gc [--data DIR] [--archive-dir DIR] [--dry-run] [--gc-grace DURATION]\n"
    "  --data DIR           the data directory (default ./data); it may be serving\n"
    "  --archive-dir DIR    the archive place the server uses (archived bytes are collected too)\n"
    "  --dry-run            report what a collection would reclaim, change nothing\n"
    "  --gc-grace DURATION  how long a link or blob must have been unused (default 1h; 0 for all)\n";

inline constexpr std::string_view kFsckUsage =
    "usage: berth fsck [--data DIR] [--archive-dir DIR] [--repair]\n"
    "  --data DIR         the data directory (default ./data); it may be serving\n"
    "  --archive-dir DIR  the archive place the server uses, checked too\n"
    "  --repair           quarantine corrupt blobs, delete stored bytes nothing knows of\n";

int RunGc(const std::vector<std::string>& args);
int RunFsck(const std::vector<std::string>& args);

}  // namespace berth::server
