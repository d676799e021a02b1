#include "api/auditor.h"

#include <chrono>

#include "audit/event.h"
#include "base/utf8.h"

namespace berth::api {

Auditor::Auditor(audit::Trail* trail, std::string account_id, std::string region)
    : trail_(trail), account_id_(std::move(account_id)), region_(std::move(region)) {}

void Auditor::Record(const http::Request& req, AuditRecord r) {
  if (trail_ == nullptr) return;
  audit::Event e;
  e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  e.source = r.source;
  e.name = r.name;
  e.region = region_;
  e.source_ip = req.remote_address();
  e.user_agent = ValidUtf8(req.Header("User-Agent").value_or("").substr(0, 512));
  if (r.principal) {
    const auth::Principal& p = *r.principal;
    switch (p.kind) {
      case auth::Principal::Kind::kRoot:
      case auth::Principal::Kind::kEveryone:
        e.identity = audit::Identity{.type = "Root", .principal_id = account_id_, .arn = p.arn,
                                     .access_key_id = p.access_key_id, .user_name = {}};
        break;
      case auth::Principal::Kind::kUser:
        e.identity = audit::Identity{.type = "IAMUser", .principal_id = p.user_id, .arn = p.arn,
                                     .access_key_id = p.access_key_id, .user_name = p.name};
        break;
      case auth::Principal::Kind::kAnonymous:
        e.identity = audit::Identity{.type = "Anonymous", .principal_id = "", .arn = "", .access_key_id = "",
                                     .user_name = {}};
        break;
    }
  } else {
    e.identity = audit::Identity{.type = "Unknown", .principal_id = "", .arn = "", .access_key_id = "",
                                 .user_name = {}};
  }
  e.request_parameters = std::move(r.request_parameters);
  e.response_elements = std::move(r.response_elements);
  e.error_code = std::move(r.error_code);
  e.error_message = ValidUtf8(std::string_view(r.error_message).substr(0, 1024));
  e.request_id = std::move(r.request_id);
  e.read_only = r.read_only;
  e.resources = std::move(r.resources);
  // One line buffer per thread, reused: its capacity stays, so a record costs no allocation.
  static thread_local std::string line;
  line.clear();
  audit::AppendJson(e, account_id_, line);
  trail_->Record(line);
}

}  // namespace berth::api
