#include "telemetry/allocator.h"

#include <gtest/gtest.h>

#include <memory>

namespace berth::telemetry {
namespace {

#ifdef BERTH_JEMALLOC
// The build's allocator is jemalloc (not glibc's with jemalloc merely linked), and its figures move.
TEST(Allocator, JemallocServesTheProcessAndCountsWhatItHolds) {
  std::optional<AllocatorStats> before = ReadAllocatorStats();
  ASSERT_TRUE(before.has_value());
  auto block = std::make_unique<char[]>(64 << 20);
  block[0] = 1;
  std::optional<AllocatorStats> after = ReadAllocatorStats();
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(after->allocated, before->allocated + (64 << 20));
  EXPECT_GE(after->resident, after->allocated / 2);
}
#else
TEST(Allocator, ABuildWithoutJemallocReportsNone) { EXPECT_FALSE(ReadAllocatorStats().has_value()); }
#endif

}  // namespace
}  // namespace berth::telemetry
