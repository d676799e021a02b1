// base/time.h
//
// Times as AWS writes them in documents and logs: ISO 8601 in UTC to the second
// ("2026-12-01T05:30:00Z"), and reading ISO 8601 / RFC 3339 times back. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth {

std::string IsoTime(int64_t unix_seconds);
// "2024-01-02", "2024-01-02T03:04:05Z", with fractions of a second (dropped) or a +hh:mm/-hh:mm
// offset; nullopt for anything else.
std::optional<int64_t> ParseIsoTime(std::string_view text);

}  // namespace berth
