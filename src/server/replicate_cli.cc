#include "server/replicate_cli.h"

#include <cstdio>

#include "replication/replicator.h"
#include "server/cli_support.h"

namespace berth::server {

int RunReplicate(const std::vector<std::string>& args) {
  std::string data = "./data", uri, prefix;
  bool backfill = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--backfill") {
      backfill = true;
    } else if ((args[i] == "--data" || args[i] == "--meta" || args[i] == "--repository") && i + 1 < args.size()) {
      (args[i] == "--data" ? data : args[i] == "--meta" ? uri : prefix) = args[i + 1];
      ++i;
    } else {
      return Usage(kReplicateUsage, "unknown option " + args[i]);
    }
  }
  if (!backfill) return Usage(kReplicateUsage, "replicate wants --backfill");
  if (!uri.empty() && !uri.starts_with("postgres://") && !uri.starts_with("postgresql://")) {
    return Usage(kReplicateUsage, "--meta wants a postgres:// or postgresql:// URI");
  }
  Result<std::unique_ptr<meta::MetadataStore>> store = OpenMetadata(data, uri);
  if (!store) return Failed("replicate: opening the metadata store", store.error());
  Result<size_t> queued = replication::Backfill(**store, prefix, NowSeconds());
  if (!queued) return Failed("replicate: queueing", queued.error());
  std::printf("queued %zu images for replication\n", *queued);
  return 0;
}

}  // namespace berth::server
