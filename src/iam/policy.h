// iam/policy.h
//
// The IAM policy language: parsing (with validation errors that say what is wrong and where),
// and evaluation of one policy against one request. Pure: no I/O, no clock (the request carries
// the time as a context key), no lookups but the request's own context function.
//
// A Policy is immutable once parsed; parse once, evaluate many times (iam/policy_cache.h keeps
// parsed policies by their text).
//
// Thread-safe: evaluation only reads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::iam {

// Identity policies (attached to users and groups) may not name a Principal and must name a
// Resource; resource policies (on repositories, the registry) must name a Principal and may
// leave the Resource implied.
enum class PolicyKind { kIdentity, kResource };

struct Condition {
  std::string op;  // base operator, lowercased, without prefix or IfExists: "stringlike"
  enum class SetOp { kNone, kForAnyValue, kForAllValues } set = SetOp::kNone;
  bool if_exists = false;
  std::string key;  // lowercased: "aws:sourceip", "ecr:resourcetag/team"
  std::vector<std::string> values;
};

struct PrincipalSet {
  bool everyone = false;              // "*" or {"AWS": "*"}
  std::vector<std::string> aws;       // ARNs or 12-digit account IDs, as written
};

struct Statement {
  std::string sid;
  bool allow = false;
  std::optional<PrincipalSet> principal;  // Principal or NotPrincipal
  bool not_principal = false;
  std::vector<std::string> actions;       // lowercased patterns
  bool not_action = false;
  std::vector<std::string> resources;     // patterns; empty with has_resource false: implied
  bool not_resource = false;
  bool has_resource = false;
  std::vector<Condition> conditions;
};

struct Policy {
  bool variables = false;  // Version 2012-10-17: ${...} policy variables are substituted
  std::vector<Statement> statements;
};

// Errors: kInvalidArgument with reason "MalformedPolicyDocument" and a message such as
// "Statement[2].Condition: unknown operator StringEqualz". Limits: 128 KiB of text, 500
// statements, 1000 entries per list.
Result<Policy> ParsePolicy(std::string_view text, PolicyKind kind);

// How a resource policy's principal matched the caller.
enum class PrincipalMatch {
  kNone,
  kAccount,  // the caller's account: delegates to its identity policies, allows nothing alone
  kDirect,   // "*" or the caller's own ARN: allows on its own
};

// The values of a condition key for the request being decided (keys arrive lowercased), or
// nullopt when the request has no such key.
using ContextLookup = std::function<std::optional<std::vector<std::string>>(std::string_view key)>;

struct EvalRequest {
  std::string_view action;         // "ecr:BatchGetImage"
  std::string_view resource;       // an ARN, or "*"
  std::string_view principal_arn;  // empty for an anonymous caller
  std::string_view account_id;
  const ContextLookup* context = nullptr;
};

enum class Effect : uint8_t { kNone, kAllow, kDeny };

struct Outcome {
  Effect effect = Effect::kNone;
  PrincipalMatch principal = PrincipalMatch::kNone;  // for a resource policy's allow
  std::string_view sid;                              // of the deciding statement
};

// Evaluates one policy: an explicit Deny if any matching statement denies, else an Allow if any
// allows, else kNone. With PolicyKind::kResource a statement applies only to the principals it
// names, and an allow reports how the principal matched.
Outcome Evaluate(const Policy& policy, PolicyKind kind, const EvalRequest& request);


}  // namespace berth::iam
