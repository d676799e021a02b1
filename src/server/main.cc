// berth: an OCI registry with the ECR control plane. See README.md.
#include <cstdio>
#include <string>
#include <vector>

#include "server/app.h"
#include "server/backup.h"
#include "server/config.h"
#include "server/maintenance.h"
#include "server/replicate_cli.h"
#include "server/sbom_cli.h"
#include "server/vulndb_cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs("berth: a container registry\n\ncommands:\n  serve    run the registry\n"
               "  backup   copy a data directory while it serves\n"
               "  gc       collect garbage in a data directory once\n"
               "  fsck     check (and repair) a data directory's blobs\n"
               "  vulndb   import vulnerability advisories (OSV) for scanning; their status\n"
               "  sbom     print an image's CycloneDX SBOM (stored scan, or an OCI layout)\n"
               "  replicate  queue existing images for replication (--backfill)\n"
               "  version  print the version\n\n",
               stdout);
    std::fputs(berth::server::kServeUsage.data(), stdout);
    std::fputs(berth::server::kBackupUsage.data(), stdout);
    std::fputs(berth::server::kGcUsage.data(), stdout);
    std::fputs(berth::server::kFsckUsage.data(), stdout);
    std::fputs(berth::server::kVulnDbUsage.data(), stdout);
    std::fputs(berth::server::kSbomUsage.data(), stdout);
    std::fputs(berth::server::kReplicateUsage.data(), stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "version" || args[0] == "--version") {
    std::puts("berth " BERTH_VERSION);
    return 0;
  }
  if (args[0] == "backup") return berth::server::RunBackup({args.begin() + 1, args.end()});
  if (args[0] == "gc") return berth::server::RunGc({args.begin() + 1, args.end()});
  if (args[0] == "fsck") return berth::server::RunFsck({args.begin() + 1, args.end()});
  if (args[0] == "vulndb") return berth::server::RunVulnDb({args.begin() + 1, args.end()});
  if (args[0] == "sbom") return berth::server::RunSbom({args.begin() + 1, args.end()});
  if (args[0] == "replicate") return berth::server::RunReplicate({args.begin() + 1, args.end()});
  if (args[0] != "serve") {
    std::fprintf(stderr, "berth: unknown command %s\n", args[0].c_str());
    return 2;
  }
  args.erase(args.begin());
  berth::Result<berth::server::Config> config = berth::server::ParseServeArgs(args);
  if (!config) {
    std::fprintf(stderr, "berth: %s\n%s", config.error().message().c_str(),
                 berth::server::kServeUsage.data());
    return 2;
  }
  return berth::server::Run(*config);
}
