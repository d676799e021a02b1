// audit/event.h
//
// One audit record in CloudTrail's shape (eventVersion 1.08): who (userIdentity with ARN and
// access key ID), what (eventSource, eventName, requestParameters, responseElements), when,
// from where (sourceIPAddress, userAgent) and how it ended (errorCode, errorMessage). Pure.
//
// An Event is views: it is written the moment it is made (one per pull), so it owns nothing and
// copies nothing; what it points at must outlive the AppendJson call.
//
// Callers put only what may be kept into requestParameters and responseElements: never a
// secret, a token, a presigned URL or bulk data (AppendJson drops members named like them anyway).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace berth::audit {

struct Identity {
  std::string_view type;  // "Root", "IAMUser", "Anonymous", "Unknown"
  std::string_view principal_id;
  std::string_view arn;
  std::string_view access_key_id;
  std::string_view user_name;
};

// A string member of requestParameters.
struct Parameter {
  std::string_view key;
  std::string_view value;
};

struct Resource {
  std::string_view type;  // "AWS::ECR::Repository"
  std::string_view arn;
};

struct Event {
  int64_t time_ms = 0;
  std::string_view source;  // "ecr.amazonaws.com"
  std::string_view name;    // "PutImage"
  std::string_view region;
  std::string_view source_ip;
  std::string_view user_agent;
  Identity identity;
  // requestParameters: `parameters` when there are any (the data plane's few strings, no object
  // built per pull), else `request_parameters`; null when neither keeps a member.
  std::span<const Parameter> parameters;
  const boost::json::object* request_parameters = nullptr;
  const boost::json::object* response_elements = nullptr;  // null: "responseElements":null
  std::string_view error_code;
  std::string_view error_message;
  std::string_view request_id;
  bool read_only = false;
  std::span<const Resource> resources;
};

// The record as one line of JSON, with a fresh eventID, appended to `out` (AppendJson) or
// returned. Of requestParameters and responseElements, members that must never be kept
// (secrets, tokens, passwords, signed URLs, layer data) are dropped at any depth, and strings
// longer than 2 KiB are summarised by their size.
void AppendJson(const Event& event, std::string_view account_id, std::string& out);
std::string ToJson(const Event& event, std::string_view account_id);

}  // namespace berth::audit
