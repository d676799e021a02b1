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
  BERTH_ASSIGN(aws::Verified verified,
               aws::Verify(verify, policy, [&authenticator](std::string_view id) { return authenticator.SecretFor(id); },
                           std::chrono::system_clock::from_time_t(now)));
  Result<auth::Principal> who = authenticator.PrincipalFor(verified.access_key_id);
  if (!who) {
    return Fail(Code::kUnauthenticated, "The security token included in the request is invalid.",
                "UnrecognizedClientException");
  }
  return who;
}

}  // namespace berth::api
