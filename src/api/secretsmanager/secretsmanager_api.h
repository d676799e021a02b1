// api/secretsmanager/secretsmanager_api.h
//
// A subset of AWS Secrets Manager on Berth's port, so `aws secretsmanager --endpoint-url` and
// boto3 keep the credentials Berth uses for other registries (pull-through cache rules name them
// by ARN, as ECR's do): CreateSecret, GetSecretValue, PutSecretValue, UpdateSecret,
// DescribeSecret, ListSecrets, DeleteSecret (a recovery window, or forced), RestoreSecret,
// TagResource and UntagResource. JSON 1.1 (X-Amz-Target secretsmanager.<Op>), SigV4 for service
// "secretsmanager"; each call is authorized as secretsmanager:<Op> on the secret's ARN (with
// aws:ResourceTag, aws:RequestTag and aws:TagKeys), so no value is readable without
// secretsmanager:GetSecretValue. Values are sealed at rest (secrets/vault.h) and never written
// to the audit trail.
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
#include "secrets/vault.h"

namespace berth::api::secretsmanager {

inline constexpr std::string_view kTargetPrefix = "secretsmanager.";

class SecretsManagerApi {
 public:
  SecretsManagerApi(auth::Authenticator& authenticator, AccessControl& access, Auditor& auditor,
                    secrets::Vault& vault, boost::asio::thread_pool& blocking, std::function<int64_t()> clock);

  static bool Claims(const http::Request& request);
  http::Task<http::Response> Handle(http::Request& request);

 private:
  struct Call;
  using Output = Result<boost::json::object>;
  http::Task<http::Response> Serve(http::Request& request, AuditRecord& audit);
  Output Dispatch(std::string_view op, const Call& call);
  // The secret a call names, once `action` on it is allowed. A secret that does not exist is
  // ResourceNotFoundException only for callers allowed `action` on its name.
  Result<secrets::StoredSecret> Authorized(const Call& call, std::string_view action);

  Output CreateSecret(const Call& call);
  Output GetSecretValue(const Call& call);
  Output PutSecretValue(const Call& call);
  Output UpdateSecret(const Call& call);
  Output DescribeSecret(const Call& call);
  Output ListSecrets(const Call& call);
  Output DeleteSecret(const Call& call);
  Output RestoreSecret(const Call& call);
  Output TagResource(const Call& call);
  Output UntagResource(const Call& call);

  auth::Authenticator& authenticator_;
  AccessControl& access_;
  Auditor& auditor_;
  secrets::Vault& vault_;
  boost::asio::thread_pool& blocking_;
  std::function<int64_t()> clock_;
};

}  // namespace berth::api::secretsmanager
