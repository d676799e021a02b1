// audit/lookup.h
//
// Answers CloudTrail's LookupEvents from the trail's files: events matching one lookup
// attribute (EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource,
// AccessKeyId) within a time range, newest first, paged with a token that names the last event
// returned. Reads the files, never the queue: callers Flush() first.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace berth::audit {

struct LookupQuery {
  std::string attribute_key;  // empty: every event
  std::string attribute_value;
  std::optional<int64_t> start_ms, end_ms;  // inclusive
  size_t max_results = 50;
  std::string next_token;
};

struct LookupResult {
  std::vector<boost::json::object> events;  // the stored records, newest first
  std::string next_token;                   // empty on the last page
};

// Errors: kInvalidArgument with reason InvalidLookupAttributesException or
// InvalidNextTokenException.
Result<LookupResult> Lookup(const std::vector<std::string>& files, const LookupQuery& query);

// The user name CloudTrail shows for a record ("root" for the account root).
std::string UserNameOf(const boost::json::object& record);

}  // namespace berth::audit
