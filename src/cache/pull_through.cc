#include "cache/pull_through.h"

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>

#include <limits>

#include "base/json.h"
#include "base/strings.h"
#include "meta/creation_template.h"
#include "meta/event_details.h"
#include "meta/new_manifest.h"
#include "telemetry/log.h"

namespace berth::cache {
namespace {

namespace json = boost::json;

constexpr int64_t kRulesFreshSeconds = 2;
constexpr int64_t kRulesUnread = -1000;
constexpr int64_t kUpstreamFreshSeconds = 60;  // credentials are read again after this
constexpr size_t kMaxCheckedTags = 100000;

}  // namespace

PullThrough::PullThrough(meta::MetadataStore& meta, blob::BlobStore& blobs, secrets::Vault& vault,
                         PullThroughOptions options, std::function<int64_t()> clock)
    : meta_(meta), blobs_(blobs), vault_(vault), options_(std::move(options)), clock_(std::move(clock)),
      data_client_(http::ClientOptions{.timeout = options_.timeout, .ca_file = options_.ca_file}),
      quick_client_(http::ClientOptions{.timeout = options_.check_timeout, .ca_file = options_.ca_file}),
      fetches_(meta, blobs, BlobFetchesOptions{.spool_dir = options_.spool_dir, .node_id = options_.node_id,
                                                   .shared_store = options_.shared_store}, clock_),
      imports_pool_(options_.max_imports) {
  rules_.store(std::make_shared<const std::vector<Rule>>());
}

PullThrough::~PullThrough() {
  // Imports wait on downloads: those stop first.
  fetches_.Stop();
  imports_pool_.join();
}

Result<std::vector<Rule>> PullThrough::Rules() {
  std::vector<Rule> rules;
  BERTH_ASSIGN(std::vector<meta::NamedDocument> docs, meta_.ListDocuments(kRuleKind, "", kMaxRules + 1));
  for (const meta::NamedDocument& d : docs) {
    BERTH_ASSIGN(Rule r, RuleFromJson(d.name, d.document));
    rules.push_back(std::move(r));
  }
  return rules;
}

std::optional<Rule> PullThrough::RuleFor(std::string_view repository) {
  const int64_t now = clock_();
  if (const int64_t read_at = rules_read_at_.load(); now - read_at >= kRulesFreshSeconds) {
    // One caller reads; the others use the rules read last, unless those are known to be out
    // of date (never read, or changed through this node): then they wait for the read.
    std::unique_lock lock(rules_refresh_, std::defer_lock);
    if (read_at == kRulesUnread) {
      lock.lock();
    } else {
      (void)lock.try_lock();
    }
    if (lock.owns_lock() && now - rules_read_at_.load() >= kRulesFreshSeconds) {
      if (Result<std::vector<Rule>> rules = Rules()) {
        rules_.store(std::make_shared<const std::vector<Rule>>(std::move(*rules)));
      }
      rules_read_at_ = now;
    }
  }
  std::shared_ptr<const std::vector<Rule>> rules = rules_.load();
  const Rule* rule = MatchRule(*rules, repository);
  if (rule == nullptr) return std::nullopt;
  return *rule;
}

void PullThrough::RulesChanged() {
  rules_read_at_ = kRulesUnread;
  std::lock_guard lock(mu_);
  upstreams_.clear();
}

Result<meta::RepositoryId> PullThrough::Repository(std::string_view name) {
  return meta::FindOrCreateRepository(meta_, name, meta::kPullThroughCache, clock_());
}

Result<std::optional<Credentials>> PullThrough::CredentialsOf(const Rule& rule) {
  if (rule.credential_arn.empty()) return std::optional<Credentials>();
  Result<std::string> value = vault_.CurrentString(rule.credential_arn);
  if (!value) {
    if (value.error().code() == Code::kNotFound) {
      return Fail(Code::kNotFound, "the secret " + rule.credential_arn + " does not exist", "SecretNotFoundException");
    }
    return Fail(Code::kFailedPrecondition, "the secret " + rule.credential_arn + " cannot be read: " + value.error().message(),
                "UnableToDecryptSecretValueException");
  }
  boost::system::error_code ec;
  json::value doc = json::parse(*value, ec);
  Credentials c;
  if (!ec && doc.is_object()) {
    c.username = JsonString(doc.get_object(), "username");
    c.password = JsonString(doc.get_object(), "accessToken");
    if (c.password.empty()) c.password = JsonString(doc.get_object(), "password");
  }
  if (c.username.empty() || c.password.empty()) {
    return Fail(Code::kFailedPrecondition,
                "the secret " + rule.credential_arn + " must hold {\"username\": ..., \"accessToken\": ...}",
                "UnableToDecryptSecretValueException");
  }
  return std::optional<Credentials>(std::move(c));
}

Result<std::shared_ptr<Upstream>> PullThrough::UpstreamFor(const Rule& rule) {
  const std::string key = rule.upstream_url + "\n" + rule.credential_arn + "\n" + std::to_string(rule.updated_at);
  const int64_t now = clock_();
  {
    std::lock_guard lock(mu_);
    auto it = upstreams_.find(rule.ecr_prefix);
    if (it != upstreams_.end() && it->second.key == key && now - it->second.made_at < kUpstreamFreshSeconds) {
      return it->second.upstream;
    }
  }
  BERTH_ASSIGN(http::Url base, UpstreamEndpoint(rule.upstream_url));
  BERTH_ASSIGN(std::optional<Credentials> credentials, CredentialsOf(rule));
  auto upstream = std::make_shared<Upstream>(data_client_, quick_client_, std::move(base), std::move(credentials));
  std::lock_guard lock(mu_);
  upstreams_[rule.ecr_prefix] = CachedUpstream{now, key, upstream};
  return upstream;
}

Result<UpstreamManifest> PullThrough::FetchManifest(const Rule& rule, meta::RepositoryId repo,
                                                    std::string_view repository, std::string_view reference) {
  const std::string key = std::to_string(repo) + "\n" + std::string(reference);
  std::promise<Result<UpstreamManifest>> promise;
  std::shared_future<Result<UpstreamManifest>> shared;
  bool leader = false;
  {
    std::lock_guard lock(mu_);
    auto it = manifest_fetches_.find(key);
    if (it != manifest_fetches_.end()) {
      shared = it->second;
    } else {
      shared = promise.get_future().share();
      manifest_fetches_.emplace(key, shared);
      leader = true;
    }
  }
  if (!leader) return shared.get();
  Result<UpstreamManifest> fetched = [&]() -> Result<UpstreamManifest> {
    BERTH_ASSIGN(std::shared_ptr<Upstream> upstream, UpstreamFor(rule));
    BERTH_ASSIGN(UpstreamManifest m, upstream->GetManifest(UpstreamRepository(rule, repository), reference));
    BERTH_TRY(oci::ParseManifest(m.media_type, m.payload));
    return m;
  }();
  {
    std::lock_guard lock(mu_);
    manifest_fetches_.erase(key);
  }
  promise.set_value(fetched);
  if (fetched) {
    manifests_fetched_++;
    Result<oci::Digest> by_digest = oci::Digest::Parse(reference);
    std::optional<std::string> tag;
    if (!by_digest) {
      tag = std::string(reference);
      MarkChecked(repo, reference, fetched->digest);
    }
    StartImport(rule, repo, std::string(repository), *fetched, tag);
  }
  return fetched;
}

std::optional<UpstreamManifest> PullThrough::Importing(meta::RepositoryId repo, std::string_view tag) {
  std::lock_guard lock(mu_);
  if (importing_tags_.empty()) return std::nullopt;
  auto it = importing_tags_.find({repo, std::string(tag)});
  if (it == importing_tags_.end()) return std::nullopt;
  return it->second;
}

bool PullThrough::TagDue(meta::RepositoryId repo, std::string_view tag) {
  std::lock_guard lock(mu_);
  auto it = checked_.find({repo, std::string(tag)});
  return it == checked_.end() || clock_() - it->second >= options_.tag_ttl.count();
}

void PullThrough::Remember(meta::RepositoryId repo, std::string_view tag, int64_t at) {
  std::lock_guard lock(mu_);
  if (checked_.size() >= kMaxCheckedTags) checked_.clear();  // each tag is read from the store again
  checked_[{repo, std::string(tag)}] = at;
}

void PullThrough::MarkChecked(meta::RepositoryId repo, std::string_view tag, const std::optional<oci::Digest>& digest) {
  const int64_t now = clock_();
  Remember(repo, tag, now);
  // Other nodes learn it from the store, with where the tag pointed (so that a node whose
  // copy is older serves the new image before its import lands). A lost race means another
  // node checked just now.
  const std::string name = std::to_string(repo) + "/" + std::string(tag);
  Result<std::optional<meta::NamedDocument>> doc = meta_.GetDocument(kTagCheckKind, name);
  if (!doc) return;
  (void)meta_.PutDocument(kTagCheckKind, name, std::to_string(now) + (digest ? " " + digest->str() : ""),
                          *doc ? (*doc)->revision : 0, std::numeric_limits<size_t>::max());
}

std::optional<std::pair<int64_t, std::string>> PullThrough::CheckedInStore(meta::RepositoryId repo,
                                                                          std::string_view tag) {
  Result<std::optional<meta::NamedDocument>> doc =
      meta_.GetDocument(kTagCheckKind, std::to_string(repo) + "/" + std::string(tag));
  if (!doc || !*doc) return std::nullopt;
  const std::string& text = (*doc)->document;
  const size_t space = text.find(' ');
  std::optional<uint64_t> at = ParseUint64(std::string_view(text).substr(0, space));
  if (!at) return std::nullopt;
  return std::pair{static_cast<int64_t>(*at), space == std::string::npos ? std::string() : text.substr(space + 1)};
}

std::optional<UpstreamManifest> PullThrough::Refresh(const Rule& rule, meta::RepositoryId repo,
                                                     std::string_view repository, std::string_view tag,
                                                     const oci::Digest& cached) {
  if (auto checked = CheckedInStore(repo, tag); checked && clock_() - checked->first < options_.tag_ttl.count()) {
    // Another node checked it within the TTL. Where it found the tag pointing elsewhere, this
    // node serves that image too, and imports it, rather than its older copy.
    if (checked->second.empty() || checked->second == cached.str()) {
      Remember(repo, tag, checked->first);
      return std::nullopt;
    }
    Result<UpstreamManifest> moved = FetchManifest(rule, repo, repository, checked->second);
    if (!moved) return std::nullopt;
    StartImport(rule, repo, std::string(repository), *moved, std::string(tag));
    Remember(repo, tag, checked->first);
    return *moved;
  }
  tag_checks_++;
  Result<oci::Digest> current = [&]() -> Result<oci::Digest> {
    BERTH_ASSIGN(std::shared_ptr<Upstream> upstream, UpstreamFor(rule));
    return upstream->HeadManifest(UpstreamRepository(rule, repository), tag);
  }();
  if (!current) {
    // The upstream is down or the tag is gone there: the cache serves what it has, and asks
    // again after the TTL.
    telemetry::LogInfo("pull-through cache serves a tag it could not check",
                       {{"repository", repository}, {"tag", tag}, {"error", current.error().message()}});
    MarkChecked(repo, tag, std::nullopt);
    return std::nullopt;
  }
  if (*current == cached) {
    MarkChecked(repo, tag, cached);
    return std::nullopt;
  }
  Result<UpstreamManifest> moved = FetchManifest(rule, repo, repository, tag);
  if (!moved) {
    MarkChecked(repo, tag, std::nullopt);
    return std::nullopt;
  }
  return *moved;
}

std::shared_ptr<BlobFetch> PullThrough::FetchBlob(const Rule& rule, meta::RepositoryId repo,
                                                  std::string_view repository, const oci::Digest& digest) {
  return fetches_.Join(repo, digest, [this, rule, upstream_repo = UpstreamRepository(rule, repository), digest]() {
    return [&]() -> Result<std::unique_ptr<http::ClientResponse>> {
      BERTH_ASSIGN(std::shared_ptr<Upstream> upstream, UpstreamFor(rule));
      return upstream->GetBlob(upstream_repo, digest);
    }();
  });
}

Status PullThrough::Validate(const Rule& rule) {
  BERTH_ASSIGN(std::shared_ptr<Upstream> upstream, UpstreamFor(rule));
  return upstream->Check();
}

void PullThrough::StartImport(const Rule& rule, meta::RepositoryId repo, std::string repository,
                              UpstreamManifest manifest, std::optional<std::string> tag) {
  const std::string key = std::to_string(repo) + "@" + manifest.digest.str() + ":" + tag.value_or("");
  {
    std::lock_guard lock(mu_);
    if (!imports_.insert(key).second) return;
    if (tag) importing_tags_.insert_or_assign({repo, *tag}, manifest);
  }
  boost::asio::post(imports_pool_, [this, rule, repo, repository = std::move(repository),
                                    manifest = std::move(manifest), tag = std::move(tag), key] {
    Status imported = Import(rule, repo, repository, manifest, tag ? &*tag : nullptr, 0);
    if (!imported) {
      telemetry::LogError("pull-through cache import failed", {{"repository", repository},
                                                                {"digest", manifest.digest.str()},
                                                                {"error", imported.error().message()}});
    }
    const std::string reason = imported ? std::string() : imported.error().message();
    Status told = meta_.AppendEvent(
        {.time = clock_(),
         .detail_type = std::string(meta::kPullThroughCacheAction),
         .repository = repository,
         .detail = meta::PullThroughCacheDetail({.sync_status = imported ? "SUCCESS" : "FAILED",
                                                 .ecr_prefix = rule.ecr_prefix,
                                                 .repository = repository,
                                                 .upstream_url = rule.upstream_url,
                                                 .tag = tag.value_or(""),
                                                 .digest = manifest.digest.str(),
                                                 .failure_code = imported ? "" : "UNABLE_TO_IMPORT_IMAGE",
                                                 .failure_reason = reason})});
    if (!told) telemetry::LogWarn("recording a pull-through cache event failed", {{"error", told.error().message()}});
    std::lock_guard lock(mu_);
    imports_.erase(key);
    if (tag) {
      auto it = importing_tags_.find({repo, *tag});
      if (it != importing_tags_.end() && it->second.digest == manifest.digest) importing_tags_.erase(it);
    }
  });
}

Status PullThrough::Import(const Rule& rule, meta::RepositoryId repo, const std::string& repository,
                           const UpstreamManifest& m, const std::string* tag, int depth) {
  BERTH_ASSIGN(oci::Manifest parsed, oci::ParseManifest(m.media_type, m.payload));
  if (!parsed.manifests.empty()) {
    if (depth > 0) return Fail(Code::kFailedPrecondition, "an index inside an index is not imported");
    BERTH_ASSIGN(std::shared_ptr<Upstream> upstream, UpstreamFor(rule));
    for (const oci::Descriptor& child : parsed.manifests) {
      BERTH_ASSIGN(std::optional<meta::ManifestRecord> have, meta_.GetManifest(repo, &child.digest, nullptr));
      if (have) continue;
      BERTH_ASSIGN(UpstreamManifest c, upstream->GetManifest(UpstreamRepository(rule, repository), child.digest.str()));
      BERTH_TRY(Import(rule, repo, repository, c, nullptr, depth + 1));
    }
  }
  // Blobs in parallel: each is its own download (shared with the pulls asking for it).
  std::vector<std::shared_ptr<BlobFetch>> waiting;
  for (const oci::Descriptor& d : parsed.blobs) {
    if (d.has_urls) continue;
    BERTH_ASSIGN(std::optional<uint64_t> have, meta_.FindBlob(repo, d.digest));
    if (!have) waiting.push_back(FetchBlob(rule, repo, repository, d.digest));
  }
  for (const auto& fetch : waiting) BERTH_TRY(fetch->WaitFinished());
  const int64_t now = clock_();
  Result<meta::PutManifestOutcome> put = meta_.PutManifest(repo, meta::ToNewManifest(parsed, m.digest, m.payload), tag, now);
  if (!put && put.error().reason() == "IMAGE_TAG_IMMUTABLE" && tag != nullptr) {
    // The template made the repository immutable: the moved tag stays, the image is kept untagged.
    put = meta_.PutManifest(repo, meta::ToNewManifest(parsed, m.digest, m.payload), nullptr, now);
  }
  if (!put) return std::unexpected(put.error());
  images_imported_++;
  if (options_.on_image_stored && !put->unchanged) {
    options_.on_image_stored({.repo = repo, .repo_name = repository, .digest = m.digest, .media_type = parsed.media_type,
                              .artifact_type = parsed.artifact_type, .pushed_at = now});
  }
  return {};
}

}  // namespace berth::cache
