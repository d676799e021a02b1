#include "api/auditor.h"

#include <chrono>

#include "base/utf8.h"

namespace berth::api {

Auditor::Auditor(audit::Trail* trail, std::string account_id, std::string region)
    : trail_(trail), account_id_(std::move(account_id)), region_(std::move(region)) {}

void Auditor::Record(const http::Request& req, AuditRecord r) {
  if (trail_ == nullptr) return;
  std::vector<audit::Resource> resources;
  resources.reserve(r.resources.size());
  for (const auto& [type, arn] : r.resources) resources.push_back({.type = type, .arn = arn});
  audit::Event e{.source = r.source,
                 .name = r.name,
                 .request_parameters = &r.request_parameters,
                 .response_elements = r.response_elements ? &*r.response_elements : nullptr,
                 .error_code = r.error_code,
                 .error_message = r.error_message,
                 .request_id = r.request_id,
                 .read_only = r.read_only,
                 .resources = resources};
  Record(req, r.principal ? &*r.principal : nullptr, e);
}

void Auditor::Record(const http::Request& req, const auth::Principal* principal, audit::Event& e) {
  if (trail_ == nullptr) return;
  e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  e.region = region_;
  e.source_ip = req.remote_address();
  std::string user_agent, error_message;
  e.user_agent = ValidUtf8View(req.Header("User-Agent").value_or("").substr(0, 512), user_agent);
  e.error_message = ValidUtf8View(e.error_message.substr(0, 1024), error_message);
  if (principal == nullptr) {
    e.identity = audit::Identity{.type = "Unknown"};
  } else {
    const auth::Principal& p = *principal;
    switch (p.kind) {
      case auth::Principal::Kind::kRoot:
      case auth::Principal::Kind::kEveryone:
        e.identity = audit::Identity{.type = "Root", .principal_id = account_id_, .arn = p.arn,
                                     .access_key_id = p.access_key_id};
        break;
      case auth::Principal::Kind::kUser:
        e.identity = audit::Identity{.type = "IAMUser", .principal_id = p.user_id, .arn = p.arn,
                                     .access_key_id = p.access_key_id, .user_name = p.name};
        break;
      case auth::Principal::Kind::kAnonymous:
        e.identity = audit::Identity{.type = "Anonymous"};
        break;
    }
  }
  // One line buffer per thread, reused: its capacity stays, so a record costs no allocation.
  static thread_local std::string line;
  line.clear();
  audit::AppendJson(e, account_id_, line);
  trail_->Record(line);
}

}  // namespace berth::api
