#include "secrets/vault.h"

namespace berth::secrets {
namespace {

constexpr std::string_view kKind = "secret";
constexpr std::string_view kPurpose = "secrets-manager";

std::unexpected<Error> NotFound() {
  return Fail(Code::kNotFound, "Secrets Manager can't find the specified secret.", "ResourceNotFoundException");
}

std::string Binding(const Secret& secret, std::string_view version_id) {
  return secret.arn + "\n" + std::string(version_id);
}

}  // namespace

Vault::Vault(meta::NamedDocuments& store, const auth::KeyRing& keys, std::string region, std::string account_id,
             std::function<int64_t()> clock)
    : store_(store), keys_(keys), region_(std::move(region)), account_id_(std::move(account_id)),
      clock_(std::move(clock)) {}

Result<StoredSecret> Vault::Find(std::string_view id) {
  std::optional<std::string> name = NameFromId(id, region_, account_id_);
  if (!name) return NotFound();
  BERTH_ASSIGN(std::optional<meta::NamedDocument> doc, store_.GetDocument(kKind, *name));
  if (!doc && id.starts_with("arn:") && *name != id) {
    // A partial ARN of a name that happens to end in "-" and six characters.
    std::optional<std::string> whole = NameFromId(std::string(id) + "-XXXXXX", region_, account_id_);
    if (whole) {
      name = whole;
      BERTH_ASSIGN(doc, store_.GetDocument(kKind, *name));
    }
  }
  if (!doc) return NotFound();
  BERTH_ASSIGN(Secret secret, FromJson(doc->name, doc->document));
  if (!ArnMatches(secret, id)) return NotFound();
  StoredSecret found{std::move(secret), doc->revision};
  if (Expired(found.secret)) {
    BERTH_TRY(Remove(found));
    return NotFound();
  }
  return found;
}

Status Vault::Create(const Secret& secret) {
  BERTH_ASSIGN(std::optional<meta::NamedDocument> existing, store_.GetDocument(kKind, secret.name));
  if (existing) {
    BERTH_ASSIGN(Secret old, FromJson(existing->name, existing->document));
    if (Expired(old)) {
      BERTH_TRY(Remove({std::move(old), existing->revision}));
    } else if (old.scheduled_for_deletion()) {
      return Fail(Code::kFailedPrecondition,
                  "You can't create this secret because a secret with this name is already scheduled for deletion.",
                  "InvalidRequestException");
    }
  }
  Result<int64_t> put = store_.PutDocument(kKind, secret.name, ToJson(secret), 0, kMaxSecrets);
  if (!put && put.error().code() == Code::kAlreadyExists) {
    return Fail(Code::kAlreadyExists, "The operation failed because the secret " + secret.name + " already exists.",
                "ResourceExistsException");
  }
  if (!put && put.error().code() == Code::kResourceExhausted) {
    return Fail(Code::kResourceExhausted, "a registry keeps at most " + std::to_string(kMaxSecrets) + " secrets",
                "LimitExceededException");
  }
  if (!put) return std::unexpected(put.error());
  return {};
}

Result<Secret> Vault::Update(std::string_view id, const std::function<Status(Secret&)>& change) {
  for (int attempt = 0;; ++attempt) {
    BERTH_ASSIGN(StoredSecret found, Find(id));
    BERTH_TRY(change(found.secret));
    Result<int64_t> put = store_.PutDocument(kKind, found.secret.name, ToJson(found.secret), found.revision, kMaxSecrets);
    if (put) return std::move(found.secret);
    if (put.error().code() == Code::kNotFound) return NotFound();
    if (put.error().code() != Code::kAborted || attempt >= 8) return std::unexpected(put.error());
  }
}

Status Vault::Remove(const StoredSecret& found) {
  Result<bool> removed = store_.DeleteDocument(kKind, found.secret.name, found.revision);
  if (!removed && removed.error().code() != Code::kAborted) return std::unexpected(removed.error());
  return {};
}

Result<std::vector<Secret>> Vault::List(std::string_view after, size_t limit) {
  BERTH_ASSIGN(std::vector<meta::NamedDocument> docs, store_.ListDocuments(kKind, after, limit));
  std::vector<Secret> out;
  for (const meta::NamedDocument& doc : docs) {
    BERTH_ASSIGN(Secret secret, FromJson(doc.name, doc.document));
    if (!Expired(secret)) out.push_back(std::move(secret));
  }
  return out;
}

std::string Vault::Seal(const Secret& secret, std::string_view version_id, std::string_view value) const {
  return keys_.Seal(kPurpose, Binding(secret, version_id), value);
}

Result<std::string> Vault::Open(const Secret& secret, const SecretVersion& version) const {
  Result<std::string> value = keys_.Open(kPurpose, Binding(secret, version.id), version.sealed_value);
  if (!value) {
    return Fail(Code::kInternal, "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
                "DecryptionFailure");
  }
  return value;
}

Result<std::string> Vault::CurrentString(std::string_view id) {
  BERTH_ASSIGN(StoredSecret found, Find(id));
  const SecretVersion* current = found.secret.Staged(kCurrent);
  if (found.secret.scheduled_for_deletion() || current == nullptr) return NotFound();
  return Open(found.secret, *current);
}

}  // namespace berth::secrets
