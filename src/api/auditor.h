// api/auditor.h
//
// Turns a handled request into an audit record (audit/event.h) on the trail: who called (from
// the principal), from where (the peer address and User-Agent), what and how it ended. Every
// API on the port records through one Auditor; without a trail it records nothing.
//
// Thread-safe.
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/event.h"
#include "audit/trail.h"
#include "auth/authenticator.h"
#include "base/error.h"
#include "http/message.h"

namespace berth::api {

struct AuditRecord {
  std::string_view source;  // "ecr.amazonaws.com"
  std::string name;         // the operation or action
  std::optional<auth::Principal> principal;  // absent when the caller was not authenticated
  boost::json::object request_parameters;
  std::optional<boost::json::object> response_elements;
  std::string error_code;  // the wire name of the error, "" on success
  std::string error_message;
  bool read_only = false;
  std::vector<std::pair<std::string, std::string>> resources;
  std::string request_id;
};

class Auditor {
 public:
  // `trail` may be null: then nothing is recorded.
  Auditor(audit::Trail* trail, std::string account_id, std::string region);

  bool enabled() const { return trail_ != nullptr; }
  // The control plane's records, which own their parts.
  void Record(const http::Request& request, AuditRecord record);
  // Fills in when, where from (the peer address and User-Agent) and who (`principal`; "Unknown"
  // when null), then writes `event` to the trail. The data plane records every pull this way:
  // the event is views, and nothing is copied.
  void Record(const http::Request& request, const auth::Principal* principal, audit::Event& event);
  audit::Trail* trail() const { return trail_; }

 private:
  audit::Trail* trail_;
  const std::string account_id_;
  const std::string region_;
};

}  // namespace berth::api
