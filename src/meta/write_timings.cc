#include "meta/write_timings.h"

namespace berth::meta {

telemetry::LatencyHistogram& WriteLockWaits(WriteKind kind) {
  static telemetry::LatencyHistogram changes, steps;
  return kind == WriteKind::kChange ? changes : steps;
}

telemetry::LatencyHistogram& WriteCommits(WriteKind kind) {
  static telemetry::LatencyHistogram changes, steps;
  return kind == WriteKind::kChange ? changes : steps;
}

}  // namespace berth::meta
