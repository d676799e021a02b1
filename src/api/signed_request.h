// api/signed_request.h
//
// Who signed an AWS API request: verifies its SigV4 signature (aws/sigv4) over the body already
// read, for one region and service, with the authenticator's keys, and returns the principal.
// Shared by the JSON APIs (ECR, CloudTrail) and the query APIs (IAM, STS).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.h"
#include "base/error.h"
#include "http/message.h"

namespace berth::api {

// A request without an Authorization header that carries a web console session (the cookie of
// auth/console_sessions.h) is the session's principal instead, when its CSRF header is right.
//
// Errors: kUnauthenticated with the exception AWS sends as reason (IncompleteSignatureException,
// InvalidSignatureException, UnrecognizedClientException, MissingAuthenticationTokenException).
Result<auth::Principal> AuthenticateSigned(const http::Request& req, std::string_view body,
                                           const auth::Authenticator& authenticator, std::string_view region,
                                           std::string_view service, std::vector<std::string> required_headers,
                                           int64_t now);

// Does the request carry a console session cookie?
bool CarriesConsoleSession(const http::Request& req);

}  // namespace berth::api
