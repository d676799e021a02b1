#include "events/webhook_secret.h"

#include <fstream>

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
  BERTH_TRY(WriteFileAtomically(path, secret + "\n", 0600));
  return secret;
}

}  // namespace berth::events
