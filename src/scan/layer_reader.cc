#include "scan/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <vector>

namespace berth::scan {
namespace {

constexpr size_t kReadChunk = 256 * 1024;

// libarchive pulls compressed bytes through this, in order.
struct Source {
  blob::BlobReader* blob = nullptr;
  std::string_view memory;
  bool in_memory = false;
  uint64_t offset = 0;
  std::vector<char> buffer;
  std::string error;
};

la_ssize_t ReadCallback(struct archive* a, void* data, const void** out) {
  auto* src = static_cast<Source*>(data);
  if (src->in_memory) {
    size_t n = std::min<size_t>(kReadChunk, src->memory.size() - src->offset);
    *out = src->memory.data() + src->offset;
    src->offset += n;
    return static_cast<la_ssize_t>(n);
  }
  if (src->offset >= src->blob->size()) return 0;
  auto n = src->blob->ReadAt(src->offset, std::span<char>(src->buffer.data(), src->buffer.size()));
  if (!n) {
    src->error = n.error().message();
    archive_set_error(a, EIO, "reading the blob: %s", src->error.c_str());
    return -1;
  }
  src->offset += *n;
  *out = src->buffer.data();
  return static_cast<la_ssize_t>(*n);
}

using ArchivePtr = std::unique_ptr<struct archive, decltype(&archive_read_free)>;

EntryType TypeOf(struct archive_entry* e) {
  if (archive_entry_hardlink(e)) return EntryType::kHardlink;
  switch (archive_entry_filetype(e)) {
    case AE_IFREG: return EntryType::kFile;
    case AE_IFDIR: return EntryType::kDirectory;
    case AE_IFLNK: return EntryType::kSymlink;
    default: return EntryType::kOther;
  }
}

Status Fail400(std::string message) { return Fail(Code::kInvalidArgument, std::move(message), "LAYER_INVALID"); }

class Walk {
 public:
  Walk(struct archive* a, const Source& src, const LayerLimits& limits, LayerVisitor& visitor)
      : a_(a), src_(src), limits_(limits), visitor_(visitor) {}

  Status Run() {
    uint64_t entries = 0;
    while (true) {
      struct archive_entry* e = nullptr;
      int rc = archive_read_next_header(a_, &e);
      if (rc == ARCHIVE_EOF) return {};
      if (rc < ARCHIVE_WARN) return Broken("reading an entry header");
      if (++entries > limits_.max_entries)
        return Fail400("more than " + std::to_string(limits_.max_entries) + " entries in one layer");
      BERTH_TRY(CheckSize());
      const char* raw = archive_entry_pathname(e);
      if (!raw) return Fail400("an entry without a path");
      std::string_view raw_path(raw);
      if (raw_path.size() > limits_.max_path_bytes)
        return Fail400("a path longer than " + std::to_string(limits_.max_path_bytes) + " bytes");
      LayerEntry entry;
      entry.path = NormalizePath(raw_path);
      entry.type = TypeOf(e);
      entry.size = archive_entry_size_is_set(e) ? static_cast<uint64_t>(archive_entry_size(e)) : 0;
      entry.mode = static_cast<uint32_t>(archive_entry_perm(e));
      if (entry.type == EntryType::kSymlink && archive_entry_symlink(e)) entry.link_target = archive_entry_symlink(e);
      if (entry.type == EntryType::kHardlink) entry.link_target = NormalizePath(archive_entry_hardlink(e));
      bool wanted = visitor_.Entry(entry) && entry.type == EntryType::kFile;
      BERTH_TRY(Data(entry, wanted));
    }
  }

 private:
  // Reads (or drains) the entry's data, checking the limits as it decompresses: a skip would
  // decompress a bomb without a chance to stop.
  Status Data(const LayerEntry& entry, bool wanted) {
    while (true) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int rc = archive_read_data_block(a_, &block, &size, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) return Broken("reading " + entry.path);
      BERTH_TRY(CheckSize());
      if (wanted && size > 0) BERTH_TRY(visitor_.Content(entry, {static_cast<const char*>(block), size}, false));
    }
    if (wanted) BERTH_TRY(visitor_.Content(entry, {}, true));
    return {};
  }

  Status CheckSize() {
    uint64_t out = static_cast<uint64_t>(archive_filter_bytes(a_, 0));
    uint64_t in = static_cast<uint64_t>(archive_filter_bytes(a_, -1));
    if (out > limits_.max_uncompressed_bytes)
      return Fail400("uncompresses to more than " + std::to_string(limits_.max_uncompressed_bytes) + " bytes");
    if (out > limits_.max_ratio_free && in > 0 && out / in > limits_.max_ratio)
      return Fail400("uncompresses more than " + std::to_string(limits_.max_ratio) + " times its size (a bomb?)");
    return {};
  }

  Status Broken(std::string what) {
    std::string detail = archive_error_string(a_) ? archive_error_string(a_) : "unknown error";
    if (!src_.error.empty()) return Fail(Code::kUnavailable, what + ": " + src_.error);
    return Fail400(what + ": " + detail);
  }

  struct archive* a_;
  const Source& src_;
  const LayerLimits& limits_;
  LayerVisitor& visitor_;
};

Status Read(Source& src, const LayerLimits& limits, LayerVisitor& visitor) {
  ArchivePtr a(archive_read_new(), &archive_read_free);
  if (!a) return Fail(Code::kInternal, "libarchive: out of memory");
  // Layers are tar (with GNU and PAX extensions), optionally gzip or zstd; nothing else is
  // enabled, so a zip or cpio pretending to be a layer is refused.
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open(a.get(), &src, nullptr, ReadCallback, nullptr) != ARCHIVE_OK) {
    std::string detail = archive_error_string(a.get()) ? archive_error_string(a.get()) : "unknown format";
    if (!src.error.empty()) return Fail(Code::kUnavailable, "reading the layer: " + src.error);
    return Fail400("not a tar layer: " + detail);
  }
  return Walk(a.get(), src, limits, visitor).Run();
}

}  // namespace

Status ReadLayer(blob::BlobReader& blob, const LayerLimits& limits, LayerVisitor& visitor) {
  Source src;
  src.blob = &blob;
  src.buffer.resize(kReadChunk);
  return Read(src, limits, visitor);
}

Status ReadLayerBytes(std::string_view bytes, const LayerLimits& limits, LayerVisitor& visitor) {
  Source src;
  src.memory = bytes;
  src.in_memory = true;
  return Read(src, limits, visitor);
}

std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

}  // namespace berth::scan
