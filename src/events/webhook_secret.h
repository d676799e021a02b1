// events/webhook_secret.h
//
// The key webhook deliveries are signed with: the one line of DATA/webhook-secret (mode 0600),
// the key being that line without its newline. On a first start the file is made from the
// cluster's key, kept sealed in the metadata store, so every node of a cluster signs alike; the
// first node of all makes that key (32 random bytes, hex).
#pragma once

#include <string>

#include "auth/keyring.h"
#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::events {

Result<std::string> LoadWebhookSecret(const std::string& data_dir, meta::NamedDocuments& documents,
                                      const auth::KeyRing& ring);

}  // namespace berth::events
