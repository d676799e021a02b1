// scan/jar.h
//
// Java archives name what they bundle in META-INF/maven/<group>/<artifact>/pom.properties,
// which Maven writes into every jar it builds. A jar (or war, ear, or a jar inside one: Spring
// Boot's BOOT-INF/lib, two levels deep at most) is read from memory through libarchive's zip
// reader; entries other than those files and nested jars are never decompressed.
#pragma once

#include <string_view>
#include <vector>

#include "scan/packages.h"

namespace berth::scan {

inline constexpr size_t kMaxJarBytes = 64 << 20;

// Packages named "group:artifact" (as OSV's Maven ecosystem names them), each once. A broken
// archive names nothing.
std::vector<Package> JavaPackagesInJar(std::string_view jar);

}  // namespace berth::scan
