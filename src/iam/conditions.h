// iam/conditions.h
//
// The Condition element's operators (String*, StringLike, Numeric*, Date*, Bool, BinaryEquals,
// IpAddress/NotIpAddress, Arn*, Null; the ...IfExists forms; the ForAnyValue:/ForAllValues:
// set qualifiers) and policy variables. Internal to iam/policy.cc; pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "iam/policy.h"

namespace berth::iam {

// "ForAllValues:StringLikeIfExists" -> {op "stringlike", kForAllValues, if_exists}.
// Errors: MalformedPolicyDocument naming the unknown operator.
Result<Condition> ParseOperator(std::string_view name);

// Checks that the values suit the operator (numbers, dates, CIDRs, booleans).
Status CheckConditionValues(const Condition& c, const std::string& where);

bool ConditionHolds(const Condition& c, bool variables, const ContextLookup* context);

// Replaces ${key} with the request's single value of that key (${*}, ${?}, ${$} stand for the
// characters); nullopt when a variable has no single value, so the pattern matches nothing.
std::optional<std::string> SubstituteVariables(std::string_view pattern, const ContextLookup* context);

// Seconds since the epoch of an ISO 8601 date ("2026-12-01", "2026-12-01T05:30:00Z",
// "...+01:00", fractions ignored) or of a plain number of seconds.
std::optional<double> ParseDate(std::string_view text);

}  // namespace berth::iam
