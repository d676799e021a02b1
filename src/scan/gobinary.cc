#include "scan/gobinary.h"

#include <algorithm>
#include <cstdint>

namespace berth::scan {
namespace {

constexpr std::string_view kMagic = "\xff Go buildinf:";
constexpr size_t kHeaderBytes = 32;
constexpr size_t kMaxCollect = 1 << 20;
constexpr size_t kSentinelBytes = 16;

// Go's uvarint; none when it runs past the end or overflows.
std::optional<uint64_t> Uvarint(std::string_view s, size_t& at) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && at < s.size(); shift += 7) {
    auto b = static_cast<unsigned char>(s[at++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  return std::nullopt;
}

std::optional<std::string_view> LengthPrefixed(std::string_view s, size_t& at) {
  auto n = Uvarint(s, at);
  if (!n || *n > s.size() - at) return std::nullopt;
  std::string_view out = s.substr(at, static_cast<size_t>(*n));
  at += static_cast<size_t>(*n);
  return out;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= line.size()) {
    size_t j = line.find('\t', i);
    if (j == std::string_view::npos) j = line.size();
    out.push_back(line.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// "go1.21.3" -> "1.21.3", "go1.22rc1" -> "1.22.0-rc.1", as the Go vulnerability database writes
// the standard library's versions; none for a development toolchain.
std::optional<std::string> StdlibVersion(std::string_view go) {
  if (!go.starts_with("go")) return std::nullopt;
  go.remove_prefix(2);
  std::string core, pre;
  for (std::string_view tag : {"rc", "beta"}) {
    if (size_t p = go.find(tag); p != std::string_view::npos) {
      pre = std::string(tag) + "." + std::string(go.substr(p + tag.size()));
      go = go.substr(0, p);
    }
  }
  core = std::string(go);
  if (core.empty() || core.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  if (std::count(core.begin(), core.end(), '.') == 1) core += ".0";
  return pre.empty() ? core : core + "-" + pre;
}

}  // namespace

void GoBuildInfoFinder::Feed(std::string_view piece) {
  if (!checked_elf_) {
    // Only ELF executables; a script with an exec bit is not searched.
    tail_.append(piece.substr(0, 4 - std::min<size_t>(4, tail_.size())));
    if (tail_.size() < 4) return;
    checked_elf_ = true;
    elf_ = tail_.starts_with("\x7f" "ELF");
    tail_.clear();
    if (!elf_) return;
  }
  if (!elf_) return;
  if (found_) {
    if (collected_.size() < kMaxCollect) collected_.append(piece.substr(0, kMaxCollect - collected_.size()));
    return;
  }
  std::string window = tail_ + std::string(piece);
  size_t at = window.find(kMagic);
  if (at != std::string::npos) {
    found_ = true;
    collected_ = window.substr(at, kMaxCollect);
    tail_.clear();
    return;
  }
  tail_ = window.substr(window.size() > kMagic.size() ? window.size() - (kMagic.size() - 1) : 0);
}

std::optional<std::string> GoBuildInfoFinder::Result() const {
  if (!found_ || collected_.size() < kHeaderBytes) return std::nullopt;
  auto flags = static_cast<unsigned char>(collected_[kMagic.size() + 1]);
  if (!(flags & 0x2)) return std::nullopt;  // before Go 1.18: pointers, not strings
  size_t at = kHeaderBytes;
  auto version = LengthPrefixed(collected_, at);
  if (!version) return std::nullopt;
  auto modinfo = LengthPrefixed(collected_, at);
  if (!modinfo) return std::nullopt;
  std::string_view mods = *modinfo;
  if (mods.size() >= 2 * kSentinelBytes) mods = mods.substr(kSentinelBytes, mods.size() - 2 * kSentinelBytes);
  return std::string(*version) + "\n" + std::string(mods);
}

std::vector<Package> ParseGoBuildInfo(std::string_view info) {
  std::vector<Package> out;
  size_t nl = info.find('\n');
  std::string_view version = info.substr(0, nl);
  auto add = [&](std::string_view name, std::string_view v) {
    if (name.empty() || v.empty() || v == "(devel)") return;
    Package p;
    p.type = PackageType::kGo;
    p.name = std::string(name);
    p.version = std::string(v);
    p.source_name = p.name;
    p.source_version = p.version;
    out.push_back(std::move(p));
  };
  // "go1.21.3" (or "go1.22rc1", "devel go1.23-abc"): the standard library at that version.
  if (auto stdlib = StdlibVersion(version)) add("stdlib", *stdlib);
  if (nl == std::string_view::npos) return out;
  ForEachLine(info.substr(nl + 1), [&](std::string_view line) {
    auto f = Fields(line);
    if (f.size() >= 3 && (f[0] == "mod" || f[0] == "dep")) {
      add(f[1], f[2]);
    } else if (f.size() >= 3 && f[0] == "=>" && !out.empty() && out.back().type == PackageType::kGo) {
      // The module above is replaced: what is built in is the replacement.
      out.back().name = std::string(f[1]);
      out.back().version = std::string(f[2]);
      out.back().source_name = out.back().name;
      out.back().source_version = out.back().version;
      if (out.back().version.empty()) out.pop_back();
    }
  });
  return out;
}

}  // namespace berth::scan
