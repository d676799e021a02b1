// scan/image_fs.h
//
// The image's final file system, as much of it as the scanner reads: layers applied in order
// with OCI whiteouts (`.wh.<name>` removes a path of the layers below, `.wh..wh..opq` empties a
// directory of them; an entry replaces whatever the layers below had at its path, and a
// non-directory hides what was beneath it). It keeps every symlink and the content of the files
// it is given, nothing else, and resolves paths the way the kernel would inside the image
// (symlinks in any component, `..` stopping at the root, at most 40 links), never on the host.
// Pure: no I/O.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "scan/layer_reader.h"

namespace berth::scan {

class ImageFs {
 public:
  struct File {
    std::string content;
    size_t layer = 0;  // the index of the layer that wrote it
  };

  void BeginLayer(size_t layer);
  // Every entry of the layer, in any order (whiteouts included).
  void Add(const LayerEntry& entry);
  // The content of a file Add saw in this layer.
  void SetContent(const std::string& path, std::string content);
  void EndLayer();

  // The file at `path` after following symlinks, or null.
  const File* Find(std::string_view path) const;
  // Every kept file whose stored path passes `match`, in path order.
  void ForEach(const std::function<bool(std::string_view)>& match,
               const std::function<void(const std::string& path, const File& file)>& fn) const;
  // Files and their paths that the current layer wrote (between BeginLayer and EndLayer, and
  // after EndLayer until the next BeginLayer).
  const std::vector<std::string>& ChangedInLayer() const { return changed_; }

 private:
  struct Node {
    bool symlink = false;
    std::string target;
    File file;
  };
  // Drops `path` and, with `children`, everything under it from the layers below.
  void Remove(const std::string& path, bool children);

  std::map<std::string, Node, std::less<>> nodes_;
  // The layer being applied: its entries wait until its whiteouts have been applied below.
  size_t layer_ = 0;
  std::map<std::string, Node, std::less<>> upper_;
  std::vector<std::pair<std::string, bool>> removals_;  // (path, with children)
  std::vector<std::string> changed_;
};

}  // namespace berth::scan
