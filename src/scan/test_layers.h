// Layers for the scanner's tests, written with libarchive: a tar of these entries, gzip- or
// zstd-compressed or plain.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <string>
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

inline std::string MakeLayer(const std::vector<TestEntry>& entries, Compression compression = Compression::kGzip) {
  std::string out;
  struct archive* a = archive_write_new();
  if (compression == Compression::kGzip) archive_write_add_filter_gzip(a);
  if (compression == Compression::kZstd) archive_write_add_filter_zstd(a);
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* data, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(data)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_perm(entry, e.mode);
    if (e.type == EntryType::kDirectory) {
      archive_entry_set_filetype(entry, AE_IFDIR);
    } else if (e.type == EntryType::kSymlink) {
      archive_entry_set_filetype(entry, AE_IFLNK);
      archive_entry_set_symlink(entry, e.target.c_str());
    } else {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
    }
    archive_write_header(a, entry);
    if (!e.content.empty()) archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// A zip (a jar) of (path, content) files.
inline std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* data, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(data)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& [path, content] : files) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_write_header(a, entry);
    archive_write_data(a, content.data(), content.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

}  // namespace berth::scan
