#include "iam/directory.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "iam/managed.h"

namespace berth::iam {

Result<std::shared_ptr<const Policy>> PolicyCache::Get(std::string_view text, PolicyKind kind) {
  ByText& parsed = kind == PolicyKind::kIdentity ? identity_ : resource_;
  {
    std::lock_guard lock(mu_);
    if (auto it = parsed.find(text); it != parsed.end()) return it->second;
  }
  BERTH_ASSIGN(Policy policy, ParsePolicy(text, kind));
  auto shared = std::make_shared<const Policy>(std::move(policy));
  std::lock_guard lock(mu_);
  // Bounded: distinct policy texts are few; a flood of them only costs parsing again.
  if (parsed.size() >= 10000) parsed.clear();
  parsed.emplace(std::string(text), shared);
  return shared;
}

std::string ManagedPolicyArn(std::string_view account_id, const ManagedPolicy& p) {
  return "arn:aws:iam::" + std::string(account_id) + ":policy" + p.path + p.name;
}

std::optional<std::string> ManagedPolicyDocument(const IamState& state, std::string_view account_id,
                                                 std::string_view arn) {
  if (arn.starts_with(kAwsManagedArnPrefix)) {
    std::string_view name = arn.substr(kAwsManagedArnPrefix.size());
    for (const AwsManagedPolicy& p : AwsManagedPolicies()) {
      if (p.name == name) return std::string(p.document);
    }
    return std::nullopt;
  }
  size_t slash = arn.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto it = state.policies.find(std::string(arn.substr(slash + 1)));
  if (it == state.policies.end() || ManagedPolicyArn(account_id, it->second) != arn) return std::nullopt;
  return it->second.document;
}

Snapshot::Snapshot(int64_t version, IamState state, std::string account_id, PolicyCache& cache)
    : version_(version), state_(std::move(state)) {
  auto add = [&](std::vector<std::shared_ptr<const Policy>>& out, std::string_view text) {
    // Stored policies were validated when put; one that no longer parses grants nothing.
    if (Result<std::shared_ptr<const Policy>> p = cache.Get(text, PolicyKind::kIdentity)) out.push_back(*p);
  };
  auto add_attached = [&](std::vector<std::shared_ptr<const Policy>>& out, const std::vector<std::string>& arns) {
    for (const std::string& arn : arns) {
      if (std::optional<std::string> doc = ManagedPolicyDocument(state_, account_id, arn)) add(out, *doc);
    }
  };
  for (const auto& [name, user] : state_.users) {
    for (const AccessKeyEntry& k : user.keys) keys_[k.id] = KeyOwner{.user = &user, .key = &k};
    std::vector<std::shared_ptr<const Policy>>& list = policies_[name];
    for (const auto& [_, doc] : user.inline_policies) add(list, doc);
    add_attached(list, user.attached);
    for (const std::string& g : user.groups) {
      auto it = state_.groups.find(g);
      if (it == state_.groups.end()) continue;
      for (const auto& [_, doc] : it->second.inline_policies) add(list, doc);
      add_attached(list, it->second.attached);
    }
  }
}

Snapshot::KeyOwner Snapshot::FindKey(std::string_view access_key_id) const {
  auto it = keys_.find(std::string(access_key_id));
  return it == keys_.end() ? KeyOwner{} : it->second;
}

const std::vector<std::shared_ptr<const Policy>>& Snapshot::PoliciesOf(const std::string& user) const {
  static const std::vector<std::shared_ptr<const Policy>> kNone;
  auto it = policies_.find(user);
  return it == policies_.end() ? kNone : it->second;
}

Directory::Directory(meta::IamDocuments& store, std::string account_id)
    : store_(store), account_id_(std::move(account_id)) {}

void Directory::Publish(std::shared_ptr<const Snapshot> s) { std::atomic_store(&current_, std::move(s)); }

Result<std::shared_ptr<const Snapshot>> Directory::Current() {
  if (drain_) drain_();
  std::shared_ptr<const Snapshot> s = std::atomic_load(&current_);
  if (s && listening_.load() && loaded_.load() == stale_.load()) return s;
  return Reload();
}

Result<std::shared_ptr<const Snapshot>> Directory::Latest() {
  if (drain_) drain_();
  std::shared_ptr<const Snapshot> s = std::atomic_load(&current_);
  BERTH_ASSIGN(int64_t stored, store_.IamVersion());
  if (s && s->version() == stored) return s;
  return Reload();
}

Result<std::shared_ptr<const Snapshot>> Directory::Reload() {
  std::lock_guard lock(mu_);
  const uint64_t wanted = stale_.load();
  BERTH_ASSIGN(meta::IamDocument doc, store_.LoadIam());
  std::shared_ptr<const Snapshot> s = std::atomic_load(&current_);
  if (!s || s->version() != doc.version) {
    BERTH_ASSIGN(IamState state, FromJson(doc.json));
    s = std::make_shared<const Snapshot>(doc.version, std::move(state), account_id_, cache_);
    Publish(s);
  }
  loaded_.store(wanted);
  return s;
}

void Directory::MarkStale(bool listening) {
  listening_.store(listening);
  stale_.fetch_add(1);
}

Result<std::shared_ptr<const Snapshot>> Directory::Update(const std::function<Status(IamState&)>& change) {
  std::lock_guard lock(mu_);
  for (int attempt = 0; attempt < 20; ++attempt) {
    BERTH_ASSIGN(meta::IamDocument doc, store_.LoadIam());
    BERTH_ASSIGN(IamState state, FromJson(doc.json));
    BERTH_TRY(change(state));
    std::string json = ToJson(state);
    Status saved = store_.SaveIam(doc.version, json);
    if (!saved && saved.error().code() == Code::kAborted) {
      // Another node won: apply again, after a random pause that grows with each loss, so two
      // writers in step do not keep colliding.
      thread_local std::minstd_rand jitter(std::random_device{}());
      const int ceiling_us = 200 << std::min(attempt, 6);
      std::this_thread::sleep_for(std::chrono::microseconds(jitter() % static_cast<unsigned>(ceiling_us)));
      continue;
    }
    BERTH_TRY(saved);
    auto s = std::make_shared<const Snapshot>(doc.version + 1, std::move(state), account_id_, cache_);
    Publish(s);
    return s;
  }
  return Fail(Code::kUnavailable, "the IAM state is changing too fast; try again");
}

}  // namespace berth::iam
