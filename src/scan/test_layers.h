// Layers for the scanner's tests: a tar of these entries, gzip- or zstd-compressed or plain,
// and zips for jars.
#pragma once

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "scan/layer_reader.h"

namespace berth::scan {

enum class Compression { kNone, kGzip, kZstd };

struct TestEntry {
  std::string path;
  std::string content;
  EntryType type = EntryType::kFile;
  std::string target;  // symlink
  uint32_t mode = 0644;
};

inline TestEntry Dir(std::string path) { return {std::move(path), "", EntryType::kDirectory, ""}; }
inline TestEntry Link(std::string path, std::string target) { return {std::move(path), "", EntryType::kSymlink, std::move(target)}; }

namespace test_detail {

// width - 1 octal digits and a NUL, as tar wants numbers.
inline void Octal(char* field, size_t width, uint64_t value) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0; value >>= 3) field[i] = static_cast<char>('0' + (value & 7));
}

// One ustar header block (paths over 100 bytes go to the prefix field).
inline std::string TarHeader(const std::string& path, char type, uint64_t size, uint32_t mode, const std::string& link) {
  char h[512] = {};
  std::string name = path, prefix;
  if (name.size() > 100) {
    size_t slash = name.rfind('/', 155);
    prefix = name.substr(0, slash);
    name = name.substr(slash + 1);
  }
  std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
  Octal(h + 100, 8, mode);
  Octal(h + 108, 8, 0);
  Octal(h + 116, 8, 0);
  Octal(h + 124, 12, size);
  Octal(h + 136, 12, 1700000000);
  h[156] = type;
  std::memcpy(h + 157, link.data(), std::min<size_t>(link.size(), 100));
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  std::memcpy(h + 345, prefix.data(), std::min<size_t>(prefix.size(), 155));
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : std::string_view(h, 512)) sum += c;
  Octal(h + 148, 7, sum);
  return std::string(h, 512);
}

inline std::string Gzip(const std::string& raw) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, raw.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline std::string Zstd(const std::string& raw) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 3));
  return out;
}

inline void Le(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace test_detail

// Written by hand rather than with libarchive's writer, so the reader is tested against bytes
// it did not produce (and the tests need no more of libarchive than Berth links).
inline std::string MakeLayer(const std::vector<TestEntry>& entries, Compression compression = Compression::kGzip) {
  using namespace test_detail;
  std::string tar;
  for (const auto& e : entries) {
    if (e.type == EntryType::kDirectory) {
      tar += TarHeader(e.path, '5', 0, 0755, "");
    } else if (e.type == EntryType::kSymlink) {
      tar += TarHeader(e.path, '2', 0, 0777, e.target);
    } else {
      tar += TarHeader(e.path, '0', e.content.size(), e.mode, "");
      tar += e.content;
      tar.append((512 - e.content.size() % 512) % 512, '\0');
    }
  }
  tar.append(1024, '\0');
  if (compression == Compression::kGzip) return Gzip(tar);
  if (compression == Compression::kZstd) return Zstd(tar);
  return tar;
}

// A zip (a jar) of (path, content) files, stored uncompressed.
inline std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& files) {
  using test_detail::Le;
  std::string out, central;
  for (const auto& [path, content] : files) {
    uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(content.data()), static_cast<uInt>(content.size())));
    uint32_t offset = static_cast<uint32_t>(out.size());
    Le(out, 0x04034b50, 4);
    Le(out, 20, 2);
    Le(out, 0, 2);
    Le(out, 0, 2);  // stored
    Le(out, 0, 4);  // time, date
    Le(out, crc, 4);
    Le(out, content.size(), 4);
    Le(out, content.size(), 4);
    Le(out, path.size(), 2);
    Le(out, 0, 2);
    out += path + content;
    Le(central, 0x02014b50, 4);
    Le(central, 20, 2);
    Le(central, 20, 2);
    Le(central, 0, 2);
    Le(central, 0, 2);
    Le(central, 0, 4);
    Le(central, crc, 4);
    Le(central, content.size(), 4);
    Le(central, content.size(), 4);
    Le(central, path.size(), 2);
    Le(central, 0, 2);
    Le(central, 0, 2);
    Le(central, 0, 2);
    Le(central, 0, 2);
    Le(central, 0, 4);
    Le(central, offset, 4);
    central += path;
  }
  uint32_t directory = static_cast<uint32_t>(out.size());
  out += central;
  Le(out, 0x06054b50, 4);
  Le(out, 0, 2);
  Le(out, 0, 2);
  Le(out, files.size(), 2);
  Le(out, files.size(), 2);
  Le(out, central.size(), 4);
  Le(out, directory, 4);
  Le(out, 0, 2);
  return out;
}

}  // namespace berth::scan
