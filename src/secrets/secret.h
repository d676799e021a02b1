// secrets/secret.h
//
// A Secrets Manager secret as Berth keeps it: its metadata and its versions, each version's
// value sealed (the Vault seals and opens; this file never sees a plaintext). Pure: the
// document's JSON form, the rules for names and identifiers, and the staging-label moves that
// PutSecretValue and UpdateSecret make, as AWS documents them:
//   - a new version labelled AWSCURRENT takes the label from the version holding it, which
//     becomes AWSPREVIOUS (taking that label from whichever version had it);
//   - any other label moves to the new version;
//   - a version left without labels is deprecated: at most kMaxUnlabelledVersions are kept,
//     oldest dropped first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace berth::secrets {

inline constexpr std::string_view kCurrent = "AWSCURRENT";
inline constexpr std::string_view kPrevious = "AWSPREVIOUS";
inline constexpr size_t kMaxUnlabelledVersions = 5;
inline constexpr size_t kMaxTags = 50;
inline constexpr size_t kMaxLabelsPerVersion = 20;
inline constexpr size_t kMaxValueBytes = 65536;

struct SecretVersion {
  std::string id;                   // the ClientRequestToken that made it, or a UUID
  std::vector<std::string> stages;  // staging labels
  int64_t created_at = 0;
  bool binary = false;              // SecretBinary rather than SecretString
  std::string sealed_value;         // the Vault's box of the value
};

struct Secret {
  std::string name;
  std::string arn;  // arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX
  std::string description;
  std::string kms_key_id;
  std::vector<std::pair<std::string, std::string>> tags;
  int64_t created_at = 0;
  int64_t last_changed_at = 0;
  int64_t last_accessed_at = 0;  // a day, as AWS rounds it
  int64_t deleted_at = 0;        // when DeleteSecret scheduled the deletion; 0 when not
  int64_t deletion_at = 0;       // when it goes for good
  std::vector<SecretVersion> versions;

  const SecretVersion* Version(std::string_view id) const;
  const SecretVersion* Staged(std::string_view stage) const;
  bool scheduled_for_deletion() const { return deleted_at != 0; }
};

std::string ToJson(const Secret& secret);
Result<Secret> FromJson(std::string_view name, std::string_view json);

// InvalidParameterException unless `name` is 1-512 of the characters AWS allows
// (letters, digits and /_+=.@-).
Status ValidateName(std::string_view name);
// The ARN a new secret of `name` gets: six random characters after a hyphen, as AWS's.
std::string NewArn(std::string_view region, std::string_view account_id, std::string_view name,
                   std::string_view random_suffix);
// The name a SecretId means: the name itself, a full ARN (`name` and its suffix) or a partial
// ARN (without the suffix). nullopt when `id` is an ARN of another account or region.
std::optional<std::string> NameFromId(std::string_view id, std::string_view region, std::string_view account_id);
// Whether `id`, a full ARN, names this secret's incarnation (a secret deleted and created again
// has a new suffix, so an old full ARN does not reach the new one).
bool ArnMatches(const Secret& secret, std::string_view id);

// Adds a version with `stages` (AWSCURRENT when empty), moving labels as described above.
// InvalidParameterException for a label list too long or a duplicate version id.
Status AddVersion(Secret& secret, SecretVersion version);

// Sets or replaces tags (TagResource); InvalidParameterException past kMaxTags.
Status MergeTags(std::vector<std::pair<std::string, std::string>>& tags,
                 const std::vector<std::pair<std::string, std::string>>& add);

}  // namespace berth::secrets
