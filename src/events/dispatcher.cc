#include "events/dispatcher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/files.h"
#include "base/strings.h"
#include "telemetry/log.h"

namespace berth::events {
namespace {

constexpr size_t kBatch = 200;
constexpr std::string_view kJournalCursor = "journal";
constexpr size_t kMaxTargetAnswer = 64 << 10;

std::string TargetCursor(std::string_view url) { return "webhook " + std::string(url); }

}  // namespace

Result<int64_t> LoadCursor(meta::NamedDocuments& documents, std::string_view name) {
  BERTH_ASSIGN(std::optional<meta::NamedDocument> doc, documents.GetDocument(kCursorKind, name));
  if (!doc) return int64_t{0};
  std::optional<uint64_t> seq = ParseUint64(doc->document);
  if (!seq) return Fail(Code::kInternal, "event cursor " + std::string(name) + " is not a number");
  return static_cast<int64_t>(*seq);
}

Status SaveCursor(meta::NamedDocuments& documents, std::string_view name, int64_t seq) {
  // One writer per cursor (the lease holder); a race with a node that lost the lease is
  // settled by the revision, and the loser's events are delivered again: at least once.
  for (int attempt = 0; attempt < 3; ++attempt) {
    BERTH_ASSIGN(std::optional<meta::NamedDocument> doc, documents.GetDocument(kCursorKind, name));
    Result<int64_t> put = documents.PutDocument(kCursorKind, name, std::to_string(seq), doc ? doc->revision : 0, 100000);
    if (put) return {};
    if (put.error().code() != Code::kAborted && put.error().code() != Code::kAlreadyExists) {
      return std::unexpected(put.error());
    }
  }
  return Fail(Code::kAborted, "event cursor " + std::string(name) + " keeps changing");
}

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
  BERTH_ASSIGN(int64_t cursor, LoadCursor(store_, kJournalCursor));
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
    BERTH_TRY(SaveCursor(store_, kJournalCursor, cursor));
    journaled_ += events.size();
    if (events.size() < kBatch) return {};
  }
}

Status Dispatcher::Deliver(Target& target) {
  const std::string name = TargetCursor(target.url);
  BERTH_ASSIGN(int64_t cursor, LoadCursor(store_, name));
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
    BERTH_TRY(SaveCursor(store_, name, cursor));
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
    Result<int64_t> seq = LoadCursor(store_, c);
    if (!seq) return;
    through = std::min(through, *seq);
  }
  Result<int64_t> pruned = store_.PruneEvents(through, now - options_.retention.count());
  if (!pruned) telemetry::LogWarn("pruning events failed", {{"error", pruned.error().message()}});
}

}  // namespace berth::events
