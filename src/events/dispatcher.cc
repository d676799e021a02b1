#include "events/dispatcher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/files.h"
#include "telemetry/log.h"

namespace berth::events {
namespace {

constexpr size_t kBatch = 200;
constexpr std::string_view kJournalCursor = "journal";
constexpr size_t kMaxTargetAnswer = 64 << 10;

std::string TargetCursor(std::string_view url) { return "webhook " + std::string(url); }

}  // namespace

Result<std::unique_ptr<Dispatcher>> Dispatcher::Create(meta::MetadataStore& store, http::Client& client,
                                                       DispatcherOptions options, std::function<int64_t()> clock) {
  std::vector<Target> targets;
  for (const std::string& url : options.webhooks) {
    Result<http::Url> parsed = http::Url::Parse(url);
    if (!parsed) return Fail(Code::kInvalidArgument, "--event-webhook " + url + ": " + parsed.error().message());
    targets.push_back({.url = url, .parsed = *parsed});
  }
  return std::unique_ptr<Dispatcher>(
      new Dispatcher(store, client, std::move(options), std::move(clock), std::move(targets)));
}

Dispatcher::Dispatcher(meta::MetadataStore& store, http::Client& client, DispatcherOptions options,
                       std::function<int64_t()> clock, std::vector<Target> targets)
    : store_(store), client_(client), options_(std::move(options)), clock_(std::move(clock)),
      targets_(std::move(targets)) {}

void Dispatcher::RunOnce() {
  if (!options_.journal_path.empty()) {
    if (Status s = Journal(); !s) telemetry::LogWarn("writing the event journal failed", {{"error", s.error().message()}});
  }
  for (Target& target : targets_) {
    if (target.retry_at > clock_()) continue;
    if (Status s = Deliver(target); !s) {
      ++failed_;
      ++target.failures;
      const int64_t wait = std::min<int64_t>(int64_t{1} << std::min(target.failures - 1, 9), 300);
      target.retry_at = clock_() + wait;
      telemetry::LogWarn("event delivery failed; trying again",
                         {{"target", target.url}, {"error", s.error().message()}, {"retry_in_seconds", wait}});
    } else {
      target.failures = 0;
    }
  }
  Prune();
}

Status Dispatcher::Journal() {
  BERTH_ASSIGN(int64_t cursor, store_.ReadPosition(kJournalCursor));
  while (true) {
    BERTH_ASSIGN(std::vector<meta::EventRecord> events, store_.ReadEvents(cursor, kBatch));
    if (events.empty()) return {};
    std::string lines;
    for (const meta::EventRecord& e : events) lines += Envelope(options_.registry, e) + "\n";
    struct stat st{};
    if (::stat(options_.journal_path.c_str(), &st) == 0 && st.st_size > 0 &&
        static_cast<uint64_t>(st.st_size) + lines.size() > options_.journal_max_bytes) {
      RotateNumbered(options_.journal_path, 4);
    }
    Fd fd(::open(options_.journal_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (fd.get() < 0) return Fail(Code::kInternal, options_.journal_path + ": " + std::strerror(errno));
    for (size_t done = 0; done < lines.size();) {
      const ssize_t n = ::write(fd.get(), lines.data() + done, lines.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Fail(Code::kInternal, options_.journal_path + ": " + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    if (::fdatasync(fd.get()) != 0) return Fail(Code::kInternal, options_.journal_path + ": " + std::strerror(errno));
    cursor = events.back().seq;
    BERTH_TRY(store_.SavePosition(kJournalCursor, cursor));
    journaled_ += events.size();
    if (events.size() < kBatch) return {};
  }
}

Status Dispatcher::Deliver(Target& target) {
  const std::string name = TargetCursor(target.url);
  BERTH_ASSIGN(int64_t cursor, store_.ReadPosition(name));
  while (true) {
    BERTH_ASSIGN(std::vector<meta::EventRecord> events, store_.ReadEvents(cursor, kBatch));
    if (events.empty()) return {};
    Status failure;
    for (const meta::EventRecord& e : events) {
      Result<bool> ok = Post(target, Envelope(options_.registry, e));
      if (!ok) {
        failure = std::unexpected(ok.error());
        break;
      }
      cursor = e.seq;
      ++delivered_;
    }
    BERTH_TRY(store_.SavePosition(name, cursor));
    if (!failure) return failure;
    if (events.size() < kBatch) return {};
  }
}

Result<bool> Dispatcher::Post(const Target& target, const std::string& body) {
  http::ClientRequest request{.method = "POST", .url = target.parsed, .body = body};
  request.headers = {{"Content-Type", "application/json"},
                     {"User-Agent", options_.user_agent},
                     {"Berth-Signature", Signature(options_.secret, clock_(), body)}};
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> response, client_.Send(request));
  (void)response->ReadAll(kMaxTargetAnswer);  // drained, so the connection is kept
  if (response->status < 200 || response->status > 299) {
    return Fail(Code::kUnavailable, "the target answered " + std::to_string(response->status));
  }
  return true;
}

void Dispatcher::Prune() {
  const int64_t now = clock_();
  if (now - pruned_at_ < 60) return;
  pruned_at_ = now;
  std::vector<std::string> consumers{std::string(kReplicationCursor)};
  if (!options_.journal_path.empty()) consumers.emplace_back(kJournalCursor);
  for (const Target& t : targets_) consumers.push_back(TargetCursor(t.url));
  int64_t through = INT64_MAX;
  for (const std::string& c : consumers) {
    Result<int64_t> seq = store_.ReadPosition(c);
    if (!seq) return;
    through = std::min(through, *seq);
  }
  Result<int64_t> pruned = store_.PruneEvents(through, now - options_.retention.count());
  if (!pruned) telemetry::LogWarn("pruning events failed", {{"error", pruned.error().message()}});
}

}  // namespace berth::events
