// events/dispatcher.h
//
// Tells other systems what happened: reads the metadata store's events in order and
//   - appends each, as its EventBridge envelope on one line, to the journal (DATA/events.jsonl),
//     fsync'd before the journal's place in the events is saved; rotated by size (.1 to .4);
//   - POSTs each to every webhook target, one event per request, signed with a Berth-Signature
//     header (envelope.h), in order per target; a target that fails (no 2xx within the timeout)
//     is tried again with backoff (1 s doubling to 5 min) from the same event, whose id is the
//     same on every try. Targets are independent: one down holds back none of the others.
// Each consumer's place is saved in the store (EventLog::SavePosition) after what it covers was
// delivered, so delivery is at least once across crashes and across the nodes that
// take the "events" lease in turn. Events every consumer has passed (the replicator's place
// included) are pruned, and any older than the retention whatever their delivery.
//
// RunOnce is called under the lease, never twice at once; the counters are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "events/envelope.h"
#include "http/client.h"
#include "meta/metadata_store.h"

namespace berth::events {

// The replicator's place in the events (replication/replicator.h), which pruning waits for.
inline constexpr std::string_view kReplicationCursor = "replication";

struct DispatcherOptions {
  Registry registry;
  std::string journal_path;           // "" for none
  uint64_t journal_max_bytes = 64 << 20;  // then it becomes journal_path.1 (4 kept)
  std::vector<std::string> webhooks;  // http:// or https:// URLs
  std::string secret;                 // the signing key
  std::chrono::seconds retention{7 * 86400};
  std::string user_agent = "Berth";
};

class Dispatcher {
 public:
  // Fails for a webhook that is not an http(s) URL.
  static Result<std::unique_ptr<Dispatcher>> Create(meta::MetadataStore& store, http::Client& client,
                                                    DispatcherOptions options, std::function<int64_t()> clock);

  void RunOnce();

  uint64_t delivered() const { return delivered_.load(); }
  uint64_t failed_attempts() const { return failed_.load(); }
  uint64_t journaled() const { return journaled_.load(); }

 private:
  struct Target {
    std::string url;
    http::Url parsed;
    int failures = 0;
    int64_t retry_at = 0;
  };
  Dispatcher(meta::MetadataStore& store, http::Client& client, DispatcherOptions options,
             std::function<int64_t()> clock, std::vector<Target> targets);

  Status Journal();
  Status Deliver(Target& target);
  Result<bool> Post(const Target& target, const std::string& body);
  void Prune();

  meta::MetadataStore& store_;
  http::Client& client_;
  const DispatcherOptions options_;
  const std::function<int64_t()> clock_;
  std::vector<Target> targets_;
  int64_t pruned_at_ = 0;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> journaled_{0};
};

}  // namespace berth::events
