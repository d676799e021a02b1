#include "scan/pull_gate.h"

#include "scan/report.h"
#include "telemetry/log.h"

namespace berth::scan {
namespace {

constexpr int64_t kRegistryRefreshSeconds = 5;
constexpr size_t kMaxExceptions = 200;
constexpr size_t kNamedInRefusal = 5;

}  // namespace

Result<Severity> ParseBlockSeverity(std::string_view text) {
  if (text == "NONE" || text.empty()) return Severity::kUndefined;
  for (Severity s : {Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (text == SeverityName(s)) return s;
  }
  return Fail(Code::kInvalidArgument, "a pull block severity is NONE, LOW, MEDIUM, HIGH or CRITICAL, not " +
                                          std::string(text.substr(0, 32)));
}

Result<std::set<std::string>> ParseBlockExceptions(std::string_view text) {
  std::set<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == ',') {
      ++i;
      continue;
    }
    size_t end = text.find_first_of(" ,", i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view id = text.substr(i, end - i);
    for (char c : id) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != ':') {
        return Fail(Code::kInvalidArgument, "not an advisory id: " + std::string(id.substr(0, 64)));
      }
    }
    out.emplace(id);
    if (out.size() > kMaxExceptions) return Fail(Code::kInvalidArgument, "at most 200 excepted advisories");
    i = end;
  }
  return out;
}

PullGate::PullGate(meta::MetadataStore& store, std::function<int64_t()> clock)
    : store_(store), clock_(std::move(clock)), registry_(std::make_shared<const PullBlock>()) {
  RefreshRegistryBlock(clock_());
}

void PullGate::RefreshRegistryBlock(int64_t now) {
  registry_read_at_ = now;  // a failed read is tried again after the interval too
  Result<std::optional<std::string>> severity = store_.GetSetting(kPullBlockSeveritySetting);
  Result<std::optional<std::string>> exceptions = store_.GetSetting(kPullBlockExceptionsSetting);
  if (!severity || !exceptions) {
    telemetry::LogWarn("reading the registry's pull block failed; the last one read stays",
                       {{"error", (!severity ? severity.error() : exceptions.error()).message()}});
    return;
  }
  auto block = std::make_shared<PullBlock>();
  if (*severity) block->threshold = ParseBlockSeverity(**severity).value_or(Severity::kUndefined);
  if (*exceptions) block->exceptions = ParseBlockExceptions(**exceptions).value_or(std::set<std::string>{});
  registry_.store(std::move(block));
}

Result<std::shared_ptr<const PullBlock>> PullGate::BlockFor(meta::RepositoryId repo) {
  BERTH_ASSIGN(std::optional<meta::RepositoryAccess> access, store_.GetRepositoryAccess(repo));
  if (access) return BlockFor(*access);
  return RegistryBlock();
}

std::shared_ptr<const PullBlock> PullGate::BlockFor(const meta::RepositoryAccess& access) {
  std::optional<std::string> severity, exceptions;
  for (const auto& [key, value] : access.tags) {
    if (key == kPullBlockSeverityTag) severity = value;
    if (key == kPullBlockExceptionsTag) exceptions = value;
  }
  if (!severity) return RegistryBlock();
  auto block = std::make_shared<PullBlock>();
  // A malformed tag refuses nothing rather than everything; TagResource cannot check Berth's tags.
  if (Result<Severity> s = ParseBlockSeverity(*severity)) block->threshold = *s;
  if (exceptions) {
    if (Result<std::set<std::string>> e = ParseBlockExceptions(*exceptions)) block->exceptions = *std::move(e);
  }
  return block;
}

std::shared_ptr<const PullBlock> PullGate::RegistryBlock() {
  const int64_t now = clock_();
  if (now - registry_read_at_ >= kRegistryRefreshSeconds) {
    std::unique_lock lock(refresh_mu_, std::try_to_lock);
    if (lock.owns_lock() && now - registry_read_at_ >= kRegistryRefreshSeconds) RefreshRegistryBlock(now);
  }
  return registry_.load();
}

Status PullGate::Check(meta::RepositoryId repo, const oci::Digest& digest, const PullBlock& block) {
  if (block.threshold == Severity::kUndefined) return {};
  BERTH_ASSIGN(std::optional<meta::ScanRecord> scan, store_.GetScan(repo, digest));
  if (!scan || scan->findings.empty()) return {};
  BERTH_ASSIGN(std::vector<StoredFinding> findings, FindingsFromJson(scan->findings));
  std::string named;
  size_t refused = 0;
  for (const StoredFinding& f : findings) {
    if (f.severity < block.threshold || block.exceptions.contains(f.id)) continue;
    bool excepted = false;
    for (const std::string& alias : f.aliases) excepted = excepted || block.exceptions.contains(alias);
    if (excepted) continue;
    if (++refused <= kNamedInRefusal) {
      named += (named.empty() ? "" : ", ") + f.id + " (" + std::string(SeverityName(f.severity)) + ", " + f.package.name +
               " " + f.package.version + ")";
    }
  }
  if (refused == 0) return {};
  return Fail(Code::kPermissionDenied,
              "pulls of images with findings at or above " + std::string(SeverityName(block.threshold)) +
                  " are refused: " + digest.str() + " has " + std::to_string(refused) + ": " + named +
                  (refused > kNamedInRefusal ? ", ..." : "") +
                  " (fix them, or except them in berth:pull-block-exceptions / BERTH_PULL_BLOCK_EXCEPTIONS)",
              "DENIED");
}

}  // namespace berth::scan
