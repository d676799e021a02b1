// scan/gobinary.h
//
// Go programs carry their module list: since Go 1.18 the linker writes a build-info blob that
// starts "\xff Go buildinf:" and holds, inline, the toolchain version and the module list
// ("path", "mod", "dep" and "=>" replacement lines) between two 16-byte sentinels. The scanner
// finds it while the executable streams past (no need to keep the binary), and turns it into
// packages: every module at its version, and the standard library as "stdlib" at the Go
// version (how the Go vulnerability database names it). Older binaries store pointers instead
// of the strings and are not read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/packages.h"

namespace berth::scan {

// Fed an executable's bytes in order; keeps only the build info, at most 1 MiB of it.
class GoBuildInfoFinder {
 public:
  void Feed(std::string_view piece);
  // The version and module text ("go1.21.3\n" + modinfo), once the whole blob was seen.
  std::optional<std::string> Result() const;

 private:
  bool checked_elf_ = false;
  bool elf_ = false;
  bool found_ = false;
  std::string tail_;       // the last bytes before a piece, for a magic split across pieces
  std::string collected_;  // from the magic on
};

// Packages named by GoBuildInfoFinder::Result's text.
std::vector<Package> ParseGoBuildInfo(std::string_view info);

}  // namespace berth::scan
