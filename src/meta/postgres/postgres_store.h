// meta/postgres/postgres_store.h
//
// The MetadataStore on PostgreSQL (15, through libpq), for Berth nodes that share one metadata
// database: the same SQL as the embedded store (meta/sql), a pool of connections, one
// transaction per change. Write transactions are serialised cluster-wide with an advisory lock,
// as SQLite serialises its writers, so every check a write makes holds until it commits.
//
// Thread-safe. Errors as in meta/metadata_store.h; a lost or refused connection is
// kUnavailable (the server answers 503 and retries on a new connection).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::meta::postgres {

// The schema version this build writes; a database at a higher one is refused.
int CurrentSchemaVersion();

// Statements this process has sent to PostgreSQL (berth_metadata_queries_total), so the cost of
// a request in queries can be measured.
uint64_t QueriesRun();

// Connects to `uri` (postgres://user:password@host:port/db?options), migrates the schema in the
// connection's search path under an advisory lock (several nodes may start at once), and
// returns the store. A database from a newer Berth is kFailedPrecondition, untouched.
// The store keeps at most `max_connections` connections open; past that a call waits for one
// (up to 10 s, then kUnavailable).
inline constexpr size_t kDefaultMaxConnections = 16;
Result<std::unique_ptr<MetadataStore>> OpenPostgresStore(const std::string& uri,
                                                         const MigrationObserver& on_migrated = {},
                                                         size_t max_connections = kDefaultMaxConnections);

}  // namespace berth::meta::postgres
