#include "scan/image_fs.h"

namespace berth::scan {
namespace {

constexpr std::string_view kWhiteout = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";
constexpr int kMaxLinks = 40;

std::pair<std::string_view, std::string_view> SplitLast(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

std::string Join(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  return std::string(dir) + "/" + std::string(name);
}

}  // namespace

void ImageFs::BeginLayer(size_t layer) {
  layer_ = layer;
  upper_.clear();
  removals_.clear();
  changed_.clear();
}

void ImageFs::Add(const LayerEntry& entry) {
  if (entry.path.empty()) return;
  auto [dir, name] = SplitLast(entry.path);
  if (name == kOpaque) {
    removals_.emplace_back(std::string(dir), true);
    // The directory itself stays; only what the layers below put in it goes.
    removals_.back().first += dir.empty() ? "" : "/";
    return;
  }
  if (name.starts_with(kWhiteout)) {
    removals_.emplace_back(Join(dir, name.substr(kWhiteout.size())), true);
    return;
  }
  // Whatever was at this path below is replaced; a non-directory also hides what was under it.
  removals_.emplace_back(entry.path, entry.type != EntryType::kDirectory);
  if (entry.type == EntryType::kSymlink) {
    Node node;
    node.symlink = true;
    node.target = entry.link_target;
    node.file.layer = layer_;
    upper_[entry.path] = std::move(node);
  } else if (entry.type == EntryType::kHardlink) {
    // The same content as the file it links to, when that file is one we keep.
    if (auto it = upper_.find(entry.link_target); it != upper_.end() && !it->second.symlink) {
      upper_[entry.path] = it->second;
    } else if (auto low = nodes_.find(entry.link_target); low != nodes_.end() && !low->second.symlink) {
      Node copy = low->second;
      copy.file.layer = layer_;
      upper_[entry.path] = std::move(copy);
    }
  }
}

void ImageFs::SetContent(const std::string& path, std::string content) {
  Node& node = upper_[path];
  node.symlink = false;
  node.file.content = std::move(content);
  node.file.layer = layer_;
}

void ImageFs::Remove(const std::string& path, bool children) {
  if (path.empty() || path.back() == '/') {  // an opaque directory: only what is under it
    for (auto it = nodes_.lower_bound(path); it != nodes_.end() && it->first.starts_with(path);) it = nodes_.erase(it);
    return;
  }
  nodes_.erase(path);
  if (!children) return;
  std::string prefix = path + "/";
  for (auto it = nodes_.lower_bound(prefix); it != nodes_.end() && it->first.starts_with(prefix);) it = nodes_.erase(it);
}

void ImageFs::EndLayer() {
  for (const auto& [path, children] : removals_) Remove(path, children);
  for (auto& [path, node] : upper_) {
    if (!node.symlink) changed_.push_back(path);
    nodes_[path] = std::move(node);
  }
  upper_.clear();
  removals_.clear();
}

const ImageFs::File* ImageFs::Find(std::string_view path) const {
  // Resolve one component at a time; `pending` is what remains to walk.
  std::vector<std::string> pending;
  auto push_path = [&](std::string_view p) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= p.size()) {
      size_t j = p.find('/', i);
      if (j == std::string_view::npos) j = p.size();
      if (j > i) parts.emplace_back(p.substr(i, j - i));
      i = j + 1;
    }
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_back(*it);
  };
  push_path(path);
  std::string current;  // resolved so far, without symlinks
  int links = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.back());
    pending.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      current = std::string(SplitLast(current).first);
      continue;
    }
    std::string next = Join(current, part);
    auto it = nodes_.find(next);
    if (it != nodes_.end() && it->second.symlink) {
      if (++links > kMaxLinks) return nullptr;  // a loop, or a chain no kernel would follow
      const std::string& target = it->second.target;
      if (!target.empty() && target.front() == '/') current.clear();
      push_path(target);
      continue;
    }
    current = std::move(next);
  }
  auto it = nodes_.find(current);
  if (it == nodes_.end() || it->second.symlink) return nullptr;
  return &it->second.file;
}

void ImageFs::ForEach(const std::function<bool(std::string_view)>& match,
                      const std::function<void(const std::string&, const File&)>& fn) const {
  for (const auto& [path, node] : nodes_)
    if (!node.symlink && match(path)) fn(path, node.file);
}

}  // namespace berth::scan
