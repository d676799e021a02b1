// audit/event.h
//
// One audit record in CloudTrail's shape (eventVersion 1.08): who (userIdentity with ARN and
// access key ID), what (eventSource, eventName, requestParameters, responseElements), when,
// from where (sourceIPAddress, userAgent) and how it ended (errorCode, errorMessage). Pure.
//
// Callers put only what may be kept into requestParameters and responseElements: never a
// secret, a token, a presigned URL or bulk data (ToJson drops members named like them anyway).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth::audit {

struct Identity {
  std::string type;  // "Root", "IAMUser", "Anonymous", "Unknown"
  std::string principal_id;
  std::string arn;
  std::string access_key_id;
  std::string user_name;
};

struct Event {
  int64_t time_ms = 0;
  std::string source;  // "ecr.amazonaws.com"
  std::string name;    // "PutImage"
  std::string region;
  std::string source_ip;
  std::string user_agent;
  Identity identity;
  boost::json::object request_parameters;
  std::optional<boost::json::object> response_elements;
  std::string error_code;
  std::string error_message;
  std::string request_id;
  bool read_only = false;
  std::vector<std::pair<std::string, std::string>> resources;  // (type, ARN)
};

// The record as one line of JSON, with a fresh eventID, appended to `out` (AppendJson) or
// returned. Of requestParameters and responseElements, members that must never be kept
// (secrets, tokens, passwords, signed URLs, layer data) are dropped at any depth, and strings
// longer than 2 KiB are summarised by their size.
void AppendJson(const Event& event, std::string_view account_id, std::string& out);
std::string ToJson(const Event& event, std::string_view account_id);

}  // namespace berth::audit
