// events/envelope.h
//
// An event as EventBridge delivers it: {"version": "0", "id", "detail-type", "source": "aws.ecr",
// "account", "time", "region", "resources", "detail"}, and the signature a webhook target checks.
// Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "meta/metadata_store.h"

namespace berth::events {

struct Registry {
  std::string account;
  std::string region;
};

// The event's id: UUID-shaped, derived from the registry and the event's sequence number and
// time, so every delivery of one event carries the same id and no two events share one.
std::string EventId(const Registry& registry, const meta::EventRecord& event);

// The envelope as one line of JSON (no newline). Image actions name no resources, as ECR's do;
// the others name the repository's ARN.
std::string Envelope(const Registry& registry, const meta::EventRecord& event);

// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by `key`>".
std::string Signature(std::string_view key, int64_t unix_seconds, std::string_view body);

}  // namespace berth::events
