#include "events/webhook_secret.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/files.h"
#include "crypto/random.h"

namespace berth::events {
namespace {

constexpr std::string_view kKind = "setting";
constexpr std::string_view kName = "webhook-secret";
constexpr std::string_view kPurpose = "webhook-secret";

Result<std::string> ClusterSecret(meta::NamedDocuments& documents, const auth::KeyRing& ring) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    BERTH_ASSIGN(std::optional<meta::NamedDocument> stored, documents.GetDocument(kKind, kName));
    if (stored) return ring.Open(kPurpose, kName, stored->document);
    const std::string fresh = crypto::RandomHex(32);
    Result<int64_t> put = documents.PutDocument(kKind, kName, ring.Seal(kPurpose, kName, fresh), 0, 1000);
    if (put) return fresh;
    if (put.error().code() != Code::kAlreadyExists) return std::unexpected(put.error());
  }
  return Fail(Code::kInternal, "the webhook secret could not be stored");
}

}  // namespace

Result<std::string> LoadWebhookSecret(const std::string& data_dir, meta::NamedDocuments& documents,
                                      const auth::KeyRing& ring) {
  const std::string path = data_dir + "/webhook-secret";
  if (std::ifstream in(path); in) {
    std::string line;
    std::getline(in, line);
    if (line.empty()) return Fail(Code::kFailedPrecondition, path + " is empty: its first line is the webhook key");
    return line;
  }
  BERTH_ASSIGN(std::string secret, ClusterSecret(documents, ring));
  const std::string tmp = path + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Fail(Code::kInternal, "creating " + tmp + ": " + std::strerror(errno));
  const std::string line = secret + "\n";
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd.get()) != 0) {
    return Fail(Code::kInternal, "writing " + tmp + ": " + std::strerror(errno));
  }
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Fail(Code::kInternal, "renaming " + tmp + ": " + std::strerror(errno));
  BERTH_TRY(FsyncDirectory(data_dir));
  return secret;
}

}  // namespace berth::events
