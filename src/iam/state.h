// iam/state.h
//
// Every IAM identity of the account: users (with their access keys, inline policies, attached
// managed policies and groups), groups and customer managed policies. The whole state is one
// value, stored as one JSON document in the metadata store (meta::IamDocuments) and replaced
// whole by each change, so a change is one compare-and-swap and every node sees a consistent
// state. IAM's own quotas (5,000 users, 300 groups, 1,500 policies) keep it small.
//
// Pure data and JSON; no I/O. Access-key secrets in it are sealed (auth::KeyRing).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"

namespace berth::iam {

struct AccessKeyEntry {
  std::string id;
  std::string sealed_secret;
  bool active = true;
  int64_t created_at = 0;
};

struct User {
  std::string name;
  std::string id;  // AIDA...
  std::string path = "/";
  int64_t created_at = 0;
  std::map<std::string, std::string> inline_policies;  // name -> document
  std::vector<std::string> attached;                   // managed policy ARNs
  std::vector<std::string> groups;                     // group names
  std::vector<AccessKeyEntry> keys;
};

struct Group {
  std::string name;
  std::string id;  // AGPA...
  std::string path = "/";
  int64_t created_at = 0;
  std::map<std::string, std::string> inline_policies;
  std::vector<std::string> attached;
};

struct ManagedPolicy {
  std::string name;
  std::string id;  // ANPA...
  std::string path = "/";
  std::string description;
  std::string document;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct IamState {
  std::map<std::string, User> users;               // by name
  std::map<std::string, Group> groups;             // by name
  std::map<std::string, ManagedPolicy> policies;   // customer managed, by name
};

std::string ToJson(const IamState& state);
// Errors: kInternal when the stored document is not one this code wrote.
Result<IamState> FromJson(std::string_view json);

}  // namespace berth::iam
