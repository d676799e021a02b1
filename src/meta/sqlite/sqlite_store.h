// meta/sqlite/sqlite_store.h
//
// The embedded MetadataStore: one SQLite database in WAL mode. Writers share one connection
// under a mutex (SQLite allows one writer at a time anyway) and commit with synchronous=FULL;
// readers take connections from a pool and never wait for the writer.
//
// Thread-safe. Errors as in meta/metadata_store.h.
#pragma once

#include <memory>
#include <string>

#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::meta::sqlite {

// Opens or creates the database at `path` and migrates it to the current schema.
Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path);

}  // namespace berth::meta::sqlite
