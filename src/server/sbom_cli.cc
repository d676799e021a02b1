#include "server/sbom_cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "oci/manifest.h"
#include "scan/cyclonedx.h"
#include "scan/inventory.h"
#include "scan/report.h"
#include "scan/scanner.h"
#include "server/cli_support.h"

namespace berth::server {
namespace {

namespace json = boost::json;

// A blob of an OCI layout, read with pread.
class FileReader : public blob::BlobReader {
 public:
  FileReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileReader() override { ::close(fd_); }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  uint64_t size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
    if (n < 0) return Fail(Code::kInternal, "reading a blob of the layout failed");
    return static_cast<size_t>(n);
  }

 private:
  int fd_;
  uint64_t size_;
};

std::string BlobPath(const std::string& layout, const oci::Digest& digest) {
  std::string path = digest.str();
  path[path.find(':')] = '/';
  return layout + "/blobs/" + path;
}

Result<std::string> ReadFile(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Code::kNotFound, path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > limit) return Fail(Code::kInvalidArgument, path + " is too large");
  return text.str();
}

// The manifest REF names in the layout's index.json: by digest, by ref.name annotation, or the
// only one.
Result<oci::Digest> FindManifest(const std::string& layout, const std::string& ref) {
  BERTH_ASSIGN(std::string index_text, ReadFile(layout + "/index.json", oci::kMaxManifestBytes));
  boost::system::error_code ec;
  json::value index = json::parse(index_text, ec);
  const json::value* manifests = (!ec && index.is_object()) ? index.get_object().if_contains("manifests") : nullptr;
  if (manifests == nullptr || !manifests->is_array()) return Fail(Code::kInvalidArgument, layout + "/index.json is not an OCI index");
  std::vector<std::string> found;
  for (const json::value& m : manifests->get_array()) {
    if (!m.is_object() || !m.get_object().contains("digest") || !m.at("digest").is_string()) continue;
    const std::string digest(m.at("digest").get_string());
    std::string name;
    if (const json::value* a = m.get_object().if_contains("annotations"); a != nullptr && a->is_object()) {
      if (const json::value* n = a->get_object().if_contains("org.opencontainers.image.ref.name"); n != nullptr && n->is_string()) {
        name = n->get_string();
      }
    }
    if (ref.empty() || ref == name || ref == digest) found.push_back(digest);
  }
  if (found.size() != 1) {
    return Fail(Code::kInvalidArgument, ref.empty() ? layout + " holds " + std::to_string(found.size()) + " images: name one with DIR:REF"
                                                    : "no image " + ref + " in " + layout);
  }
  return oci::Digest::Parse(found[0]);
}

int FromLayout(const std::string& spec, bool enhanced) {
  // DIR[:REF], where REF may itself be "sha256:..." (only the first ':' after the last '/' splits).
  std::string layout = spec, ref;
  const size_t slash = spec.rfind('/');
  if (size_t colon = spec.find(':', slash == std::string::npos ? 0 : slash); colon != std::string::npos) {
    layout = spec.substr(0, colon);
    ref = spec.substr(colon + 1);
  }
  Result<oci::Digest> digest = FindManifest(layout, ref);
  if (!digest) return Failed("sbom", digest.error());
  Result<std::string> payload = ReadFile(BlobPath(layout, *digest), oci::kMaxManifestBytes);
  if (!payload) return Failed("sbom", payload.error());
  Result<oci::Manifest> manifest = oci::ParseManifest("", *payload);
  if (!manifest) return Failed("sbom: the manifest", manifest.error());
  if (manifest->kind != oci::ManifestKind::kImage) {
    return Failed("sbom", Error(Code::kInvalidArgument, ref + " is an index: name one of its images by digest"));
  }
  Result<scan::Inventory> inventory = scan::ImageInventory(
      *manifest, [&layout, enhanced](const oci::Digest& layer) -> Result<std::shared_ptr<const scan::LayerSummary>> {
        const std::string path = BlobPath(layout, layer);
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st{};
        if (fd < 0 || ::fstat(fd, &st) != 0) {
          if (fd >= 0) ::close(fd);
          return Fail(Code::kNotFound, path + ": cannot be read");
        }
        FileReader reader(fd, static_cast<uint64_t>(st.st_size));
        BERTH_ASSIGN(scan::LayerSummary summary, scan::SummarizeLayer(reader, scan::LayerLimits{},
                                                                      scan::SummaryOptions{.language_packages = enhanced}));
        return std::make_shared<const scan::LayerSummary>(std::move(summary));
      });
  if (!inventory) return Failed("sbom", inventory.error());
  std::puts(scan::CycloneDxJson(*inventory, scan::SbomSubject{.name = layout, .digest = digest->str(), .created_at = 0,
                                                             .tool_version = BERTH_VERSION})
                .c_str());
  return 0;
}

int FromStore(const std::string& data, const std::string& uri, const std::string& image) {
  const size_t at = image.find('@');
  const size_t colon = at == std::string::npos ? image.rfind(':') : std::string::npos;
  if (at == std::string::npos && (colon == std::string::npos || image.find('/', colon) != std::string::npos)) {
    return Usage(kSbomUsage, "name the image as REPOSITORY:TAG or REPOSITORY@DIGEST");
  }
  const std::string repository = image.substr(0, at != std::string::npos ? at : colon);
  Result<std::unique_ptr<meta::MetadataStore>> store = OpenMetadata(data, uri);
  if (!store) return Failed("opening the metadata store", store.error());
  Result<std::optional<meta::RepositoryRecord>> repo = (*store)->GetRepository(repository);
  if (!repo) return Failed("sbom", repo.error());
  if (!*repo) return Failed("sbom", Error(Code::kNotFound, "no repository " + repository));
  std::optional<oci::Digest> digest;
  if (at != std::string::npos) {
    Result<oci::Digest> d = oci::Digest::Parse(image.substr(at + 1));
    if (!d) return Usage(kSbomUsage, "not a digest: " + image.substr(at + 1));
    digest = *d;
  } else {
    const std::string tag = image.substr(colon + 1);
    Result<std::optional<meta::ManifestRecord>> m = (*store)->GetManifest((*repo)->id, nullptr, &tag);
    if (!m) return Failed("sbom", m.error());
    if (!*m) return Failed("sbom", Error(Code::kNotFound, "no image " + image));
    digest = (*m)->digest;
  }
  Result<std::optional<meta::ImageRecord>> found = (*store)->FindImage((*repo)->id, *digest);
  Result<std::optional<meta::ScanRecord>> scan = (*store)->GetScan((*repo)->id, *digest);
  if (!found || !scan) return Failed("sbom", !found ? found.error() : scan.error());
  if (!*found) return Failed("sbom", Error(Code::kNotFound, "no image " + image));
  if (!*scan || (*scan)->inventory.empty()) {
    std::fprintf(stderr, "berth: sbom: %s has no completed scan (StartImageScan, or push it where scans run on push)\n",
                 image.c_str());
    return 1;
  }
  Result<scan::Inventory> inventory = scan::InventoryFromJson((*scan)->inventory);
  if (!inventory) return Failed("sbom", inventory.error());
  std::puts(scan::CycloneDxJson(*inventory, scan::SbomSubject{.name = repository, .digest = digest->str(),
                                                              .created_at = (*found)->pushed_at, .tool_version = BERTH_VERSION})
                .c_str());
  return 0;
}

}  // namespace

int RunSbom(const std::vector<std::string>& args) {
  std::string data = "./data", uri, layout, image;
  bool enhanced = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--data" || args[i] == "--meta" || args[i] == "--layout") && i + 1 < args.size()) {
      (args[i] == "--data" ? data : args[i] == "--meta" ? uri : layout) = args[i + 1];
      ++i;
    } else if (args[i] == "--enhanced") {
      enhanced = true;
    } else if (args[i].starts_with("--")) {
      return Usage(kSbomUsage, "unknown option " + args[i]);
    } else if (image.empty()) {
      image = args[i];
    } else {
      return Usage(kSbomUsage, "unexpected argument " + args[i]);
    }
  }
  if (!layout.empty()) {
    if (!image.empty()) return Usage(kSbomUsage, "--layout takes no image name");
    return FromLayout(layout, enhanced);
  }
  if (image.empty()) return Usage(kSbomUsage, "name an image, or give --layout");
  return FromStore(data, uri, image);
}

}  // namespace berth::server
