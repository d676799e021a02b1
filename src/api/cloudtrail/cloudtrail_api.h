// api/cloudtrail/cloudtrail_api.h
//
// CloudTrail's LookupEvents over Berth's audit trail (audit/lookup.h), so
// `aws cloudtrail lookup-events --endpoint-url` reads who did what: JSON 1.1 (X-Amz-Target
// com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents), SigV4 for service
// "cloudtrail", authorized as cloudtrail:LookupEvents. A node answers from its own trail.
//
// Thread-safe.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <string>

#include "api/access_control.h"
#include "api/auditor.h"
#include "auth/authenticator.h"
#include "http/message.h"

namespace berth::api::cloudtrail {

inline constexpr std::string_view kTargetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";

class CloudTrailApi {
 public:
  CloudTrailApi(auth::Authenticator& authenticator, AccessControl& access, Auditor& auditor,
                boost::asio::thread_pool& blocking, std::string region, std::function<int64_t()> clock);

  static bool Claims(const http::Request& request);
  http::Task<http::Response> Handle(http::Request& request);

 private:
  auth::Authenticator& authenticator_;
  AccessControl& access_;
  Auditor& auditor_;
  boost::asio::thread_pool& blocking_;
  const std::string region_;
  std::function<int64_t()> clock_;
};

}  // namespace berth::api::cloudtrail
