#include "scan/osv_source.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

namespace berth::scan {
namespace fs = std::filesystem;
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) { return s.size() >= suffix.size() && s.ends_with(suffix); }

Status ReadZip(const std::string& path, const std::function<Status(const std::string&, std::string_view)>& fn) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(), &archive_read_free);
  archive_read_support_format_zip(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    return Fail(Code::kInvalidArgument, path + ": " + archive_error_string(a.get()));
  struct archive_entry* entry = nullptr;
  std::string content;
  while (true) {
    int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) return {};
    if (rc < ARCHIVE_WARN) return Fail(Code::kInvalidArgument, path + ": " + archive_error_string(a.get()));
    std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    if (archive_entry_filetype(entry) != AE_IFREG || !EndsWith(name, ".json")) continue;
    content.clear();
    char buffer[1 << 16];
    while (true) {
      la_ssize_t n = archive_read_data(a.get(), buffer, sizeof buffer);
      if (n < 0) return Fail(Code::kInvalidArgument, path + ": " + name + ": " + archive_error_string(a.get()));
      if (n == 0) break;
      if (content.size() + static_cast<size_t>(n) > kMaxOsvDocumentBytes)
        return Fail(Code::kInvalidArgument, path + ": " + name + " is larger than " + std::to_string(kMaxOsvDocumentBytes) + " bytes");
      content.append(buffer, static_cast<size_t>(n));
    }
    BERTH_TRY(fn(path + ":" + name, content));
  }
}

Status ReadJson(const std::string& path, const std::function<Status(const std::string&, std::string_view)>& fn) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return Fail(Code::kNotFound, path + ": " + ec.message());
  if (size > kMaxOsvDocumentBytes)
    return Fail(Code::kInvalidArgument, path + " is larger than " + std::to_string(kMaxOsvDocumentBytes) + " bytes");
  std::ifstream in(path, std::ios::binary);
  std::string content(size, '\0');
  if (!in.read(content.data(), static_cast<std::streamsize>(size))) return Fail(Code::kInternal, path + ": read failed");
  return fn(path, content);
}

}  // namespace

Status ForEachOsvDocument(const std::string& path,
                          const std::function<Status(const std::string& name, std::string_view json)>& fn) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return Fail(Code::kNotFound, path + ": no such file or directory");
  if (fs::is_directory(status)) {
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::string p = it->path().string();
      if (EndsWith(p, ".json") || EndsWith(p, ".zip")) files.push_back(p);
    }
    if (ec) return Fail(Code::kInternal, path + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) BERTH_TRY(ForEachOsvDocument(f, fn));
    return {};
  }
  if (EndsWith(path, ".zip")) return ReadZip(path, fn);
  return ReadJson(path, fn);
}

}  // namespace berth::scan
