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
#include <string_view>

#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::meta::sqlite {

// The schema version this build writes; a database at a higher one is refused.
int CurrentSchemaVersion();

// Opens or creates the database at `path` and migrates it to the current schema, each migration
// in its own transaction (an interrupted upgrade resumes where it stopped). A database written by
// a newer Berth is kFailedPrecondition and is left untouched.
Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path,
                                                       const MigrationObserver& on_migrated = {});

}  // namespace berth::meta::sqlite
