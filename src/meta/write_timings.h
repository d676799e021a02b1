// meta/write_timings.h
//
// How long this process's metadata writes wait for the store's single writer (SQLite's write
// mutex; PostgreSQL's cluster-wide advisory lock), and how long their COMMITs take (on SQLite
// the WAL's fsync). /metrics shows both, so a node shows whether a change ever waits long behind
// background work, and whether a slow write was its own commit instead.
//
// Thread-safe; process-wide, as one process opens one store.
#pragma once

#include <chrono>

#include "telemetry/latency_histogram.h"

namespace berth::meta {

// What a write transaction is, which decides when its commit returns.
enum class WriteKind {
  // A push, a tag, an API call's change: on disk when its commit returns (someone is told).
  kChange,
  // Bookkeeping nobody is told about: each transaction of a long background write (pull times,
  // event pruning) and, on SQLite, lease renewals. Its commit does not wait for the disk; the
  // next checkpoint or change's commit puts it there. A power loss may lose the last ones (pull
  // times are recorded again on the next pull), never corrupt them.
  kBackground,
};

// From asking for the single writer to holding it, by what asked.
telemetry::LatencyHistogram& WriteLockWaits(WriteKind kind);
// COMMIT alone, by what committed (on SQLite a group with a change in it is a change's).
telemetry::LatencyHistogram& WriteCommits(WriteKind kind);

inline void ObserveSince(telemetry::LatencyHistogram& h, std::chrono::steady_clock::time_point since) {
  h.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
}

}  // namespace berth::meta
