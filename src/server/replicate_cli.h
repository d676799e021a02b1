// server/replicate_cli.h
//
// `berth replicate --backfill`: queues, for the replication configuration in force, every image
// that already exists in the repositories it replicates (ECR replicates only what is pushed
// after; users asked for the rest). The serving Berth (or the cluster node holding the
// "replication" lease) copies them within --replication-interval. Safe while Berth serves.
// Exit status 0 on success, 2 on bad usage or failure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::server {

inline constexpr std::string_view kReplicateUsage =
    "usage: berth replicate --backfill [--repository PREFIX] [--data DIR | --meta URI]\n"
    "  --backfill            queue the images that existed before the replication rules\n"
    "  --repository PREFIX   only repositories whose names start with PREFIX\n"
    "  --data DIR            the data directory of an embedded Berth (default ./data); it may be serving\n"
    "  --meta URI            the PostgreSQL of a cluster (postgres://...)\n";

int RunReplicate(const std::vector<std::string>& args);

}  // namespace berth::server
