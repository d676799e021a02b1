// base/time.h
//
// Times as AWS writes them in documents and logs: ISO 8601 in UTC to the second
// ("2026-12-01T05:30:00Z"). Pure.
#pragma once

#include <cstdint>
#include <string>

namespace berth {

std::string IsoTime(int64_t unix_seconds);

}  // namespace berth
