// server/cli_support.h
//
// What the offline commands (gc, fsck, vulndb, sbom) share: the clock, their usage and failure
// messages (exit status 2), and opening the metadata store of a data directory or a cluster.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::server {

int64_t NowSeconds();
// Prints "berth: <why>" and the usage; returns 2.
int Usage(std::string_view usage, const std::string& why);
// Prints "berth: <what>: <error>"; returns 2.
int Failed(std::string_view what, const Error& e);
// PostgreSQL at `uri` if given, else `data`/meta.db (kNotFound if `data` is no data directory).
Result<std::unique_ptr<meta::MetadataStore>> OpenMetadata(const std::string& data, const std::string& uri);

}  // namespace berth::server
