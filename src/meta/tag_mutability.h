// meta/tag_mutability.h
//
// ECR's tag mutability rule, pure: whether a repository with `mode` and exclusion `filters`
// forbids moving `tag` to another image. Modes: MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION
// (immutable except tags matching a filter), MUTABLE_WITH_EXCLUSION (mutable except tags matching
// a filter). Filters are wildcards where '*' matches any sequence.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::meta {

bool TagIsImmutable(std::string_view mode, const std::vector<std::string>& filters,
                    std::string_view tag);

}  // namespace berth::meta
