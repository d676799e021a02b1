#include "gc/collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <optional>
#include <system_error>
#include <thread>

#include "telemetry/log.h"

namespace berth::gc {

namespace {
constexpr size_t kDeleteBatch = 500;
}  // namespace

Collector::Collector(meta::MetadataStore& meta, blob::BlobStore& blobs, std::chrono::seconds grace,
                     std::function<int64_t()> clock)
    : meta_(meta), blobs_(blobs), grace_(grace), clock_(std::move(clock)) {}

Status Collector::DeleteBytes(const std::vector<meta::StoredBlob>& doomed, CollectReport& report) {
  std::vector<oci::Digest> gone;
  for (const meta::StoredBlob& blob : doomed) {
    if (Status deleted = blobs_.Delete(blob.digest); !deleted) {
      ++report.failures;
      telemetry::LogWarn("deleting a garbage blob failed; retried by the next collection",
                         {{"digest", blob.digest.str()}, {"error", deleted.error().message()}});
      continue;
    }
    gone.push_back(blob.digest);
    ++report.blobs_deleted;
    report.bytes_reclaimed += blob.size;
    // Counted as each goes, so /metrics follows a long collection.
    ++blobs_deleted_;
    bytes_reclaimed_ += static_cast<uint64_t>(blob.size);
  }
  if (gone.empty()) return {};
  return meta_.EndBlobDeletion(gone);
}

Result<CollectReport> Collector::Collect() {
  // Collection is background work: on a thread of its own at a lower priority, so that on a busy
  // machine it takes the CPU requests leave (manifest GET p99 stays near its idle figure) and
  // the thread that asked waits without doing the work itself.
  std::optional<Result<CollectReport>> result;
  try {
    std::thread worker([&] {
      (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kNice);
      result = CollectNow();
    });
    worker.join();
  } catch (const std::system_error&) {
    return CollectNow();  // no thread to be had: collect on this one rather than not at all
  }
  return *std::move(result);
}

Result<CollectReport> Collector::CollectNow() {
  CollectReport report;
  // What a collector that stopped (crashed) had begun.
  while (true) {
    BERTH_ASSIGN(std::vector<meta::StoredBlob> pending, meta_.PendingBlobDeletions(kDeleteBatch));
    if (pending.empty()) break;
    const int64_t failures = report.failures;
    BERTH_TRY(DeleteBytes(pending, report));
    if (report.failures > failures) break;  // the store refuses: try again next time
  }
  const int64_t now = clock_();
  const int64_t cutoff = now - grace_.count();
  BERTH_ASSIGN(report.links_dropped, meta_.ExpireUnusedLinks(cutoff, kScanLimit));
  BERTH_ASSIGN(report.blobs_marked, meta_.MarkUnreferencedBlobs(now, kScanLimit));
  while (true) {
    BERTH_ASSIGN(std::vector<meta::StoredBlob> doomed, meta_.BeginBlobDeletion(cutoff, kDeleteBatch));
    if (doomed.empty()) break;
    const int64_t failures = report.failures;
    BERTH_TRY(DeleteBytes(doomed, report));
    if (report.failures > failures || doomed.size() < kDeleteBatch) break;
  }
  ++runs_;
  links_dropped_ += static_cast<uint64_t>(report.links_dropped);
  if (report.links_dropped > 0 || report.blobs_deleted > 0 || report.failures > 0) {
    telemetry::LogInfo("garbage collected", {{"links_dropped", report.links_dropped},
                                             {"blobs_marked", report.blobs_marked},
                                             {"blobs_deleted", report.blobs_deleted},
                                             {"bytes_reclaimed", report.bytes_reclaimed},
                                             {"failures", report.failures}});
  }
  return report;
}

Result<meta::GarbageEstimate> Collector::Estimate() { return meta_.EstimateGarbage(clock_() - grace_.count()); }

}  // namespace berth::gc
