#include "api/signed_request.h"

#include <chrono>

#include "aws/sigv4.h"

namespace berth::api {

Result<auth::Principal> AuthenticateSigned(const http::Request& req, std::string_view body,
                                           const auth::Authenticator& authenticator, std::string_view region,
                                           std::string_view service, std::vector<std::string> required_headers,
                                           int64_t now) {
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
