// scan/osv_source.h
//
// Where advisories are imported from: OSV JSON files, directories of them (recursively), and
// the per-ecosystem zip archives OSV publishes (all.zip: one JSON file per advisory), read
// entry by entry through libarchive without unpacking. Each document is bounded in size.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::scan {

inline constexpr size_t kMaxOsvDocumentBytes = 8 << 20;

// Calls `fn(name, json)` for every JSON document under `path` (a .json file, a .zip archive, or
// a directory holding either), in name order within a directory. An error from fn stops the walk.
// kNotFound for a missing path; kInvalidArgument for a broken archive or a document over the limit.
Status ForEachOsvDocument(const std::string& path,
                          const std::function<Status(const std::string& name, std::string_view json)>& fn);

}  // namespace berth::scan
