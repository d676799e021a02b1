// telemetry/allocator.h
//
// What the process's allocator holds, for /metrics. Berth links jemalloc (Debian's
// libjemalloc-dev; ADR 0010 step 17): glibc's malloc keeps 7 free chunks per size class and
// thread, fewer than one request allocates of its commonest sizes, so every request went to
// the shared bins and back. Sanitizer builds keep the sanitizer's allocator, and report none.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>

namespace berth::telemetry {

struct AllocatorStats {
  uint64_t allocated = 0;  // bytes in blocks the program holds
  uint64_t resident = 0;   // bytes of the allocator's pages in memory, its free pages included
};

// The allocator's figures as of now; nullopt when the build has no jemalloc.
std::optional<AllocatorStats> ReadAllocatorStats();

}  // namespace berth::telemetry
