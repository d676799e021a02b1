#include "api/signed_request.h"

#include <chrono>

#include "auth/console_sessions.h"
#include "aws/sigv4.h"

namespace berth::api {

bool CarriesConsoleSession(const http::Request& req) {
  return auth::ConsoleSessions::CookieValue(req.Header("Cookie")).has_value();
}

Result<auth::Principal> AuthenticateSigned(const http::Request& req, std::string_view body,
                                           const auth::Authenticator& authenticator, std::string_view region,
                                           std::string_view service, std::vector<std::string> required_headers,
                                           int64_t now) {
  // The web console's calls carry its session cookie and CSRF header instead of a signature.
  if (const auth::ConsoleSessions* sessions = authenticator.console_sessions();
      sessions != nullptr && !req.Header("Authorization") && CarriesConsoleSession(req)) {
    return sessions->Authenticate(req.Header("Cookie"), req.Header(auth::ConsoleSessions::kCsrfHeader), now);
  }
  aws::VerifyRequest verify{.method = http::MethodName(req.method()), .path = req.path(), .query = req.query(),
                            .header = [&req](std::string_view name) { return req.HeaderAll(name); },
                            .body = body};
  aws::VerifyPolicy policy{.region = std::string(region), .service = std::string(service),
                           .required_signed_headers = std::move(required_headers)};
  // The key is looked up once: its secret for the signature, its principal for the caller.
  std::optional<auth::Principal> who;
  auto secret = [&](std::string_view id) -> std::optional<std::string> {
    Result<auth::Authenticator::KeyCredentials> key = authenticator.Credentials(id);
    if (!key) return std::nullopt;
    who = std::move(key->principal);
    return std::move(key->secret);
  };
  BERTH_TRY(aws::Verify(verify, policy, secret, std::chrono::system_clock::from_time_t(now)));
  if (!who) {
    return Fail(Code::kUnauthenticated, "The security token included in the request is invalid.",
                "UnrecognizedClientException");
  }
  return *std::move(who);
}

}  // namespace berth::api
