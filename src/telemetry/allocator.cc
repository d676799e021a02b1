#include "telemetry/allocator.h"

#ifdef BERTH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include <cstddef>

namespace berth::telemetry {

std::optional<AllocatorStats> ReadAllocatorStats() {
#ifdef BERTH_JEMALLOC
  // jemalloc's statistics are a snapshot taken when the epoch advances.
  uint64_t epoch = 1;
  size_t size = sizeof(epoch);
  if (mallctl("epoch", &epoch, &size, &epoch, size) != 0) return std::nullopt;
  AllocatorStats stats;
  size_t allocated = 0, resident = 0;
  size = sizeof(size_t);
  if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) != 0) return std::nullopt;
  size = sizeof(size_t);
  if (mallctl("stats.resident", &resident, &size, nullptr, 0) != 0) return std::nullopt;
  stats.allocated = allocated;
  stats.resident = resident;
  return stats;
#else
  return std::nullopt;
#endif
}

}  // namespace berth::telemetry
