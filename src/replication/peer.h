// replication/peer.h
//
// Another registry as replication writes to it. Through the OCI distribution API (`/v2/`):
// blobs asked for first (HEAD) and uploaded only when missing, streamed from the blob store in
// one monolithic PUT; manifests by digest, then tags. A peer with AWS credentials
// ({"accessKeyId", "secretAccessKey"} in the secret berth-peer/REGION/REGISTRY_ID) speaks ECR's
// API too: its repositories are created there (CreateRepository, SigV4-signed), marked with the
// Berth-Replication-Source header so that a Berth peer applies its REPLICATION creation template;
// the same header on manifest PUTs makes a Berth peer record a replication, not a push. Any other
// registry gets `/v2/` only, with {"username", "password"} or no credentials.
//
// /v2/ authentication: Basic with the credentials from the first request, and the token flow
// (scope pull,push) when the registry challenges with Bearer.
//
// Errors: kUnavailable when the peer cannot be reached or fails (worth trying again);
// kPermissionDenied when it refuses the credentials; kAlreadyExists when it refuses to move an
// immutable tag; kFailedPrecondition for other refusals. Blocking; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "blob/blob_store.h"
#include "cache/token_flow.h"
#include "http/client.h"
#include "oci/digest.h"

namespace berth::replication {

struct PeerCredentials {
  bool aws = false;  // accessKeyId/secretAccessKey (ECR's API and /v2/), else username/password
  std::string id;
  std::string secret;
};
// The secret's JSON: {"accessKeyId", "secretAccessKey"} or {"username", "password"}.
Result<PeerCredentials> ParsePeerCredentials(std::string_view secret_json);

struct PeerAddress {
  std::string region;
  std::string registry_id;
  http::Url url;
};

class Peer {
 public:
  // `source` is this registry as "region/account", sent in Berth-Replication-Source.
  Peer(http::Client& client, PeerAddress address, std::optional<PeerCredentials> credentials, std::string source);

  bool speaks_ecr() const { return credentials_ && credentials_->aws; }
  std::string destination() const { return address_.region + "/" + address_.registry_id; }

  // Creates the repository through the ECR API (a no-op for a /v2/-only peer, or when it exists).
  Status EnsureRepository(std::string_view repository);
  Result<bool> HasBlob(std::string_view repository, const oci::Digest& digest);
  Status PushBlob(std::string_view repository, const oci::Digest& digest, blob::BlobReader& reader);
  Status PutManifest(std::string_view repository, std::string_view reference, std::string_view media_type,
                     std::string_view payload);

 private:
  // Sends with the /v2/ credentials, answering one 401 challenge.
  Result<std::unique_ptr<http::ClientResponse>> Send(http::ClientRequest request, std::string_view repository);
  std::optional<std::string> Authorization(std::string_view repository);

  http::Client& client_;
  const PeerAddress address_;
  const std::optional<PeerCredentials> credentials_;
  const std::string source_;
  std::optional<cache::Credentials> basic_;  // the credentials for /v2/ (and a token service)
  cache::TokenCache tokens_;                 // by repository
};

}  // namespace berth::replication
