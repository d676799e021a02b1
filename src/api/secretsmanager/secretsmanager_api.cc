#include "api/secretsmanager/secretsmanager_api.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>

#include "api/signed_request.h"
#include "async/blocking.h"
#include "base/json.h"
#include "base/utf8.h"
#include "crypto/random.h"
#include "http/body.h"
#include "telemetry/log.h"

namespace berth::api::secretsmanager {
namespace {

namespace json = boost::json;
using secrets::Secret;
using secrets::SecretVersion;
using secrets::StoredSecret;

constexpr size_t kMaxRequestBytes = 256 * 1024;  // a 64 KiB binary value is 88 KiB in base64
constexpr std::string_view kArnAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

std::unexpected<Error> InvalidParameter(std::string message) {
  return Fail(Code::kInvalidArgument, std::move(message), "InvalidParameterException");
}

std::unexpected<Error> InvalidRequest(std::string message) {
  return Fail(Code::kFailedPrecondition, std::move(message), "InvalidRequestException");
}

// The exception name an error goes by on the wire; a failure without one is Berth's fault.
std::string WireType(const Error& error) {
  if (error.reason() == "AccessDenied") return "AccessDeniedException";
  if (error.reason().empty()) return "InternalServiceError";
  return std::string(error.reason());
}

http::Response ErrorResponse(const Error& error) {
  const std::string type = WireType(error);
  std::string message = error.message();
  int status = 400;
  if (error.reason().empty()) {
    if (error.code() != Code::kUnavailable) {
      telemetry::LogError("secrets manager request failed", {{"code", ToString(error.code())}, {"error", message}});
      message = "internal error";
    }
    status = error.code() == Code::kUnavailable ? 503 : 500;
  }
  if (type == "AccessDeniedException" || type == "UnrecognizedClientException" || type == "InvalidSignatureException" ||
      type == "MissingAuthenticationTokenException" || type == "IncompleteSignatureException") {
    status = 403;
  }
  http::Response r{.status = status,
                   .body = json::serialize(json::object{{"__type", type}, {"message", ValidUtf8(message)}}),
                   .route = "secretsmanager"};
  r.Set("Content-Type", "application/x-amz-json-1.1");
  r.Set("x-amzn-ErrorType", type);
  if (status == 503) r.Set("Retry-After", "1");
  return r;
}

Result<std::optional<std::string>> OptionalString(const json::object& in, std::string_view key, size_t min, size_t max) {
  const json::value* v = in.if_contains(key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return InvalidParameter(std::string(key) + " must be a string");
  const size_t n = v->get_string().size();
  if (n < min || n > max) {
    return InvalidParameter(std::string(key) + " must be " + std::to_string(min) + " to " + std::to_string(max) +
                            " characters long");
  }
  return std::optional<std::string>(v->get_string());
}

Result<std::string> RequiredString(const json::object& in, std::string_view key, size_t min, size_t max) {
  BERTH_ASSIGN(std::optional<std::string> v, OptionalString(in, key, min, max));
  if (!v) return InvalidParameter("the parameter " + std::string(key) + " is required");
  return std::move(*v);
}

Result<bool> OptionalBool(const json::object& in, std::string_view key) {
  const json::value* v = in.if_contains(key);
  if (v == nullptr) return false;
  if (!v->is_bool()) return InvalidParameter(std::string(key) + " must be a boolean");
  return v->get_bool();
}

struct Value {
  std::string bytes;
  bool binary = false;
};

// SecretString or SecretBinary (base64 on the wire), at most one.
Result<std::optional<Value>> ValueOf(const json::object& in) {
  BERTH_ASSIGN(std::optional<std::string> text, OptionalString(in, "SecretString", 1, secrets::kMaxValueBytes));
  BERTH_ASSIGN(std::optional<std::string> encoded, OptionalString(in, "SecretBinary", 1, secrets::kMaxValueBytes * 4 / 3 + 4));
  if (text && encoded) {
    return InvalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  if (text) return std::optional<Value>(Value{std::move(*text), false});
  if (!encoded) return std::optional<Value>();
  std::optional<std::string> bytes = crypto::Base64Decode(*encoded);
  if (!bytes || bytes->empty() || bytes->size() > secrets::kMaxValueBytes) {
    return InvalidParameter("SecretBinary must be base64 of 1 to 65536 bytes");
  }
  return std::optional<Value>(Value{std::move(*bytes), true});
}

Result<std::vector<std::pair<std::string, std::string>>> TagsOf(const json::object& in) {
  std::vector<std::pair<std::string, std::string>> tags;
  const json::value* v = in.if_contains("Tags");
  if (v == nullptr) return tags;
  if (!v->is_array()) return InvalidParameter("Tags must be a list");
  if (v->get_array().size() > secrets::kMaxTags) return InvalidParameter("at most 50 tags");
  for (const json::value& t : v->get_array()) {
    if (!t.is_object()) return InvalidParameter("a tag is {\"Key\": ..., \"Value\": ...}");
    BERTH_ASSIGN(std::string key, RequiredString(t.get_object(), "Key", 1, 128));
    BERTH_ASSIGN(std::optional<std::string> value, OptionalString(t.get_object(), "Value", 0, 256));
    tags.emplace_back(std::move(key), value.value_or(""));
  }
  return tags;
}

Result<std::string> VersionIdOf(const json::object& in) {
  BERTH_ASSIGN(std::optional<std::string> token, OptionalString(in, "ClientRequestToken", 32, 64));
  return token ? std::move(*token) : crypto::RandomUuid();
}

json::array TagsJson(const std::vector<std::pair<std::string, std::string>>& tags) {
  json::array out;
  for (const auto& [k, v] : tags) out.push_back(json::object{{"Key", k}, {"Value", v}});
  return out;
}

json::array StagesJson(const SecretVersion& v) {
  json::array out;
  for (const std::string& s : v.stages) out.push_back(json::value(s));
  return out;
}

// DescribeSecret's answer, and ListSecrets' entry (whose versions member is named otherwise).
json::object SummaryJson(const Secret& s, std::string_view versions_member) {
  json::object versions;
  for (const SecretVersion& v : s.versions) versions[v.id] = StagesJson(v);
  json::object out{{"ARN", s.arn},
                   {"Name", s.name},
                   {"RotationEnabled", false},
                   {"LastChangedDate", s.last_changed_at},
                   {"CreatedDate", s.created_at},
                   {std::string(versions_member), std::move(versions)}};
  if (!s.description.empty()) out["Description"] = s.description;
  if (!s.kms_key_id.empty()) out["KmsKeyId"] = s.kms_key_id;
  if (s.last_accessed_at != 0) out["LastAccessedDate"] = s.last_accessed_at;
  if (s.deleted_at != 0) out["DeletedDate"] = s.deleted_at;
  if (!s.tags.empty()) out["Tags"] = TagsJson(s.tags);
  return out;
}

ConditionKeys ResourceTagKeys(const Secret& s) {
  ConditionKeys keys;
  for (const auto& [k, v] : s.tags) keys.emplace_back("aws:ResourceTag/" + k, std::vector<std::string>{v});
  return keys;
}

ConditionKeys RequestTagKeys(const std::vector<std::pair<std::string, std::string>>& tags) {
  ConditionKeys keys;
  std::vector<std::string> names;
  for (const auto& [k, v] : tags) {
    keys.emplace_back("aws:RequestTag/" + k, std::vector<std::string>{v});
    names.push_back(k);
  }
  if (!names.empty()) keys.emplace_back("aws:TagKeys", std::move(names));
  return keys;
}

Status RefuseIfScheduled(const Secret& s) {
  if (s.scheduled_for_deletion()) {
    return InvalidRequest("You can't perform this operation on the secret because it was marked for deletion.");
  }
  return {};
}

// ListSecrets' order: by SortBy (created-date unless named), then name.
struct Order {
  std::string by = "created-date";
  bool descending = false;
  int64_t Key(const Secret& s) const {
    if (by == "last-changed-date") return s.last_changed_at;
    if (by == "last-accessed-date") return s.last_accessed_at;
    if (by == "name") return 0;
    return s.created_at;
  }
  bool Before(const Secret& a, const Secret& b) const {
    const int64_t ka = Key(a), kb = Key(b);
    if (ka != kb) return descending ? ka > kb : ka < kb;
    return descending ? a.name > b.name : a.name < b.name;
  }
};

bool PrefixOfAny(std::string_view prefix, std::initializer_list<std::string_view> fields) {
  return std::any_of(fields.begin(), fields.end(), [&](std::string_view f) { return f.starts_with(prefix); });
}

// One ListSecrets filter value against a secret: a prefix of the named field; "!" negates.
bool FilterMatches(const Secret& s, std::string_view key, std::string_view value) {
  const bool negate = value.starts_with('!');
  if (negate) value.remove_prefix(1);
  bool hit = false;
  if (key == "name") {
    hit = s.name.starts_with(value);
  } else if (key == "description") {
    hit = s.description.starts_with(value);
  } else if (key == "tag-key" || key == "tag-value") {
    hit = std::any_of(s.tags.begin(), s.tags.end(),
                      [&](const auto& t) { return (key == "tag-key" ? t.first : t.second).starts_with(value); });
  } else if (key == "all") {
    hit = PrefixOfAny(value, {s.name, s.description}) ||
          std::any_of(s.tags.begin(), s.tags.end(),
                      [&](const auto& t) { return t.first.starts_with(value) || t.second.starts_with(value); });
  }
  return negate ? !hit : hit;
}

}  // namespace

struct SecretsManagerApi::Call {
  const json::object& in;
  const auth::Principal& who;
  const http::Request& req;
};

SecretsManagerApi::SecretsManagerApi(auth::Authenticator& authenticator, AccessControl& access, Auditor& auditor,
                                     secrets::Vault& vault, boost::asio::thread_pool& blocking,
                                     std::function<int64_t()> clock)
    : authenticator_(authenticator), access_(access), auditor_(auditor), vault_(vault), blocking_(blocking),
      clock_(std::move(clock)) {}

bool SecretsManagerApi::Claims(const http::Request& req) {
  return req.path() == "/" && req.Header("X-Amz-Target").value_or("").starts_with(kTargetPrefix);
}

http::Task<http::Response> SecretsManagerApi::Handle(http::Request& req) {
  AuditRecord audit{.source = "secretsmanager.amazonaws.com", .name = "Unknown", .request_id = crypto::RandomUuid()};
  http::Response r = co_await Serve(req, audit);
  auditor_.Record(req, std::move(audit));
  co_return r;
}

http::Task<http::Response> SecretsManagerApi::Serve(http::Request& req, AuditRecord& audit) {
  auto error = [&](const Error& e) {
    audit.error_code = WireType(e);
    audit.error_message = e.message();
    return ErrorResponse(e);
  };
  const std::string op(req.Header("X-Amz-Target").value_or("").substr(kTargetPrefix.size()).substr(0, 64));
  audit.name = op;
  audit.read_only = op.starts_with("Get") || op.starts_with("List") || op.starts_with("Describe");
  if (req.method() != http::Method::kPost) {
    co_return error(Error(Code::kInvalidArgument, "Secrets Manager takes POST /", "UnknownOperationException"));
  }
  Result<std::string> body = co_await http::ReadWholeBody(req, kMaxRequestBytes);
  if (!body) co_return error(Error(Code::kInvalidArgument, "request body too large", "SerializationException"));
  auth::Principal principal = authenticator_.Anonymous();
  if (!authenticator_.anonymous()) {
    Result<auth::Principal> who = AuthenticateSigned(req, *body, authenticator_, access_.region(), "secretsmanager",
                                                     {"host", "x-amz-date", "x-amz-target"}, clock_());
    if (!who) co_return error(who.error());
    principal = *who;
  }
  audit.principal = principal;
  boost::system::error_code ec;
  json::value input = body->empty() ? json::value(json::object()) : json::parse(*body, ec);
  if (ec || !input.is_object()) {
    co_return error(Error(Code::kInvalidArgument, "the body is not a JSON object", "SerializationException"));
  }
  // Null members are absent (JSON 1.1).
  json::object& in = input.as_object();
  for (auto it = in.begin(); it != in.end();) it = it->value().is_null() ? in.erase(it) : std::next(it);
  for (const auto& [k, v] : in) {
    if (k != "SecretString" && k != "SecretBinary") audit.request_parameters[k] = v;
  }
  const Call call{in, principal, req};
  Output out = co_await async::RunBlocking(blocking_, [&] { return Dispatch(op, call); });
  if (!out) co_return error(out.error());
  http::Response r{.status = 200, .body = json::serialize(*out), .route = "secretsmanager"};
  r.Set("Content-Type", "application/x-amz-json-1.1");
  co_return r;
}

SecretsManagerApi::Output SecretsManagerApi::Dispatch(std::string_view op, const Call& call) {
  using Handler = Output (SecretsManagerApi::*)(const Call&);
  static const std::map<std::string_view, Handler> kHandlers = {
      {"CreateSecret", &SecretsManagerApi::CreateSecret},     {"GetSecretValue", &SecretsManagerApi::GetSecretValue},
      {"PutSecretValue", &SecretsManagerApi::PutSecretValue}, {"UpdateSecret", &SecretsManagerApi::UpdateSecret},
      {"DescribeSecret", &SecretsManagerApi::DescribeSecret}, {"ListSecrets", &SecretsManagerApi::ListSecrets},
      {"DeleteSecret", &SecretsManagerApi::DeleteSecret},     {"RestoreSecret", &SecretsManagerApi::RestoreSecret},
      {"TagResource", &SecretsManagerApi::TagResource},       {"UntagResource", &SecretsManagerApi::UntagResource},
  };
  auto it = kHandlers.find(op);
  if (it == kHandlers.end()) {
    return Fail(Code::kInvalidArgument,
                "Secrets Manager's " + ValidUtf8(op) + " is not served here; " +
                    "CreateSecret, GetSecretValue, PutSecretValue, UpdateSecret, DescribeSecret, ListSecrets, "
                    "DeleteSecret, RestoreSecret, TagResource and UntagResource are",
                "UnknownOperationException");
  }
  return (this->*(it->second))(call);
}

Result<StoredSecret> SecretsManagerApi::Authorized(const Call& call, std::string_view action) {
  BERTH_ASSIGN(std::string id, RequiredString(call.in, "SecretId", 1, 2048));
  Result<StoredSecret> found = vault_.Find(id);
  if (!found && found.error().code() != Code::kNotFound) return found;
  // Without a secret, whether the caller may learn that it is missing depends on its name.
  const std::string resource =
      found ? found->secret.arn
            : "arn:aws:secretsmanager:" + access_.region() + ":" + access_.account_id() + ":secret:" +
                  secrets::NameFromId(id, access_.region(), access_.account_id()).value_or(id);
  BERTH_TRY(access_.Require(call.who, "secretsmanager:" + std::string(action), resource, call.req,
                            found ? ResourceTagKeys(found->secret) : ConditionKeys{}));
  return found;
}

SecretsManagerApi::Output SecretsManagerApi::CreateSecret(const Call& call) {
  BERTH_ASSIGN(std::string name, RequiredString(call.in, "Name", 1, 512));
  BERTH_TRY(secrets::ValidateName(name));
  BERTH_ASSIGN(std::string version_id, VersionIdOf(call.in));
  BERTH_ASSIGN(std::optional<std::string> description, OptionalString(call.in, "Description", 0, 2048));
  BERTH_ASSIGN(std::optional<std::string> kms, OptionalString(call.in, "KmsKeyId", 0, 2048));
  BERTH_ASSIGN(std::optional<Value> value, ValueOf(call.in));
  BERTH_ASSIGN(auto tags, TagsOf(call.in));
  if (call.in.contains("AddReplicaRegions")) {
    return InvalidRequest("replica regions are not served here: replicate registries, not their secrets");
  }
  const int64_t now = clock_();
  Secret s{.name = name,
           .arn = secrets::NewArn(access_.region(), access_.account_id(), name, crypto::RandomString(6, kArnAlphabet)),
           .description = description.value_or(""),
           .kms_key_id = kms.value_or(""),
           .created_at = now,
           .last_changed_at = now};
  BERTH_TRY(secrets::MergeTags(s.tags, tags));
  BERTH_TRY(access_.Require(call.who, "secretsmanager:CreateSecret", s.arn, call.req, RequestTagKeys(tags)));
  if (value) {
    BERTH_TRY(secrets::AddVersion(s, {.id = version_id, .created_at = now, .binary = value->binary,
                                      .sealed_value = vault_.Seal(s, version_id, value->bytes)}));
  }
  BERTH_TRY(vault_.Create(s));
  json::object out{{"ARN", s.arn}, {"Name", s.name}};
  if (value) out["VersionId"] = version_id;
  return out;
}

SecretsManagerApi::Output SecretsManagerApi::GetSecretValue(const Call& call) {
  BERTH_ASSIGN(StoredSecret found, Authorized(call, "GetSecretValue"));
  BERTH_TRY(RefuseIfScheduled(found.secret));
  BERTH_ASSIGN(std::optional<std::string> version_id, OptionalString(call.in, "VersionId", 32, 64));
  BERTH_ASSIGN(std::optional<std::string> stage, OptionalString(call.in, "VersionStage", 1, 256));
  const SecretVersion* v = version_id ? found.secret.Version(*version_id)
                                      : found.secret.Staged(stage.value_or(std::string(secrets::kCurrent)));
  if (v != nullptr && stage && std::find(v->stages.begin(), v->stages.end(), *stage) == v->stages.end()) v = nullptr;
  if (v == nullptr) {
    return Fail(Code::kNotFound,
                "Secrets Manager can't find the specified secret value for " +
                    (version_id ? "VersionId: " + *version_id : "staging label: " + stage.value_or("AWSCURRENT")),
                "ResourceNotFoundException");
  }
  BERTH_ASSIGN(std::string value, vault_.Open(found.secret, *v));
  json::object out{{"ARN", found.secret.arn},     {"Name", found.secret.name},   {"VersionId", v->id},
                   {"VersionStages", StagesJson(*v)}, {"CreatedDate", v->created_at}};
  if (v->binary) {
    out["SecretBinary"] = crypto::Base64Encode(value);
  } else {
    out["SecretString"] = value;
  }
  // AWS records the day of the last access; one write a day at most.
  const int64_t today = clock_() / 86400 * 86400;
  if (found.secret.last_accessed_at != today) {
    (void)vault_.Update(found.secret.arn, [today](Secret& s) -> Status {
      s.last_accessed_at = today;
      return {};
    });
  }
  return out;
}

SecretsManagerApi::Output SecretsManagerApi::PutSecretValue(const Call& call) {
  BERTH_ASSIGN(StoredSecret found, Authorized(call, "PutSecretValue"));
  BERTH_ASSIGN(std::string version_id, VersionIdOf(call.in));
  BERTH_ASSIGN(std::optional<Value> value, ValueOf(call.in));
  if (!value) return InvalidParameter("You must provide either SecretString or SecretBinary.");
  std::vector<std::string> stages;
  if (const json::value* v = call.in.if_contains("VersionStages")) {
    if (!v->is_array() || v->get_array().empty() || v->get_array().size() > secrets::kMaxLabelsPerVersion) {
      return InvalidParameter("VersionStages must list 1 to 20 staging labels");
    }
    for (const json::value& s : v->get_array()) {
      if (!s.is_string()) return InvalidParameter("a staging label is a string");
      stages.emplace_back(s.get_string());
    }
  }
  bool repeated = false;
  Result<Secret> stored = vault_.Update(found.secret.arn, [&](Secret& s) -> Status {
    BERTH_TRY(RefuseIfScheduled(s));
    if (const SecretVersion* existing = s.Version(version_id)) {
      // A retried request changes nothing; the same token with another value is refused.
      Result<std::string> old = vault_.Open(s, *existing);
      if (old && *old == value->bytes && existing->binary == value->binary) {
        repeated = true;
        return {};
      }
      return Fail(Code::kAlreadyExists, "You can't modify an existing version, you can only create a new version.",
                  "ResourceExistsException");
    }
    s.last_changed_at = clock_();
    return secrets::AddVersion(s, {.id = version_id, .stages = stages, .created_at = clock_(), .binary = value->binary,
                                   .sealed_value = vault_.Seal(s, version_id, value->bytes)});
  });
  if (!stored) return std::unexpected(stored.error());
  (void)repeated;
  const SecretVersion* v = stored->Version(version_id);
  return json::object{{"ARN", stored->arn},
                      {"Name", stored->name},
                      {"VersionId", version_id},
                      {"VersionStages", v != nullptr ? StagesJson(*v) : json::array()}};
}

SecretsManagerApi::Output SecretsManagerApi::UpdateSecret(const Call& call) {
  BERTH_ASSIGN(StoredSecret found, Authorized(call, "UpdateSecret"));
  BERTH_ASSIGN(std::string version_id, VersionIdOf(call.in));
  BERTH_ASSIGN(std::optional<std::string> description, OptionalString(call.in, "Description", 0, 2048));
  BERTH_ASSIGN(std::optional<std::string> kms, OptionalString(call.in, "KmsKeyId", 0, 2048));
  BERTH_ASSIGN(std::optional<Value> value, ValueOf(call.in));
  Result<Secret> stored = vault_.Update(found.secret.arn, [&](Secret& s) -> Status {
    BERTH_TRY(RefuseIfScheduled(s));
    if (description) s.description = *description;
    if (kms) s.kms_key_id = *kms;
    s.last_changed_at = clock_();
    if (!value) return {};
    if (s.Version(version_id) != nullptr) return {};  // a retry of this very update
    return secrets::AddVersion(s, {.id = version_id, .created_at = clock_(), .binary = value->binary,
                                   .sealed_value = vault_.Seal(s, version_id, value->bytes)});
  });
  if (!stored) return std::unexpected(stored.error());
  json::object out{{"ARN", stored->arn}, {"Name", stored->name}};
  if (value) out["VersionId"] = version_id;
  return out;
}

SecretsManagerApi::Output SecretsManagerApi::DescribeSecret(const Call& call) {
  BERTH_ASSIGN(StoredSecret found, Authorized(call, "DescribeSecret"));
  return SummaryJson(found.secret, "VersionIdsToStages");
}

SecretsManagerApi::Output SecretsManagerApi::ListSecrets(const Call& call) {
  BERTH_TRY(access_.Require(call.who, "secretsmanager:ListSecrets", "*", call.req));
  BERTH_ASSIGN(bool include_deleted, OptionalBool(call.in, "IncludePlannedDeletion"));
  size_t max_results = 100;
  if (const json::value* m = call.in.if_contains("MaxResults")) {
    if (!m->is_int64() || m->get_int64() < 1 || m->get_int64() > 100) return InvalidParameter("MaxResults must be 1 to 100");
    max_results = static_cast<size_t>(m->get_int64());
  }
  Order order;
  BERTH_ASSIGN(std::optional<std::string> sort_by, OptionalString(call.in, "SortBy", 1, 64));
  BERTH_ASSIGN(std::optional<std::string> sort_order, OptionalString(call.in, "SortOrder", 1, 8));
  if (sort_by) {
    if (*sort_by != "created-date" && *sort_by != "last-accessed-date" && *sort_by != "last-changed-date" &&
        *sort_by != "name") {
      return InvalidParameter("SortBy must be created-date, last-accessed-date, last-changed-date or name");
    }
    order.by = *sort_by;
  }
  if (sort_order) {
    if (*sort_order != "asc" && *sort_order != "desc") return InvalidParameter("SortOrder must be asc or desc");
    order.descending = *sort_order == "desc";
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> filters;
  if (const json::value* f = call.in.if_contains("Filters")) {
    if (!f->is_array() || f->get_array().size() > 10) return InvalidParameter("Filters must be a list of at most 10");
    for (const json::value& one : f->get_array()) {
      if (!one.is_object()) return InvalidParameter("a filter is {\"Key\": ..., \"Values\": [...]}");
      BERTH_ASSIGN(std::string key, RequiredString(one.get_object(), "Key", 1, 32));
      if (key != "description" && key != "name" && key != "tag-key" && key != "tag-value" && key != "primary-region" &&
          key != "owning-service" && key != "all") {
        return InvalidParameter("a filter's Key is description, name, tag-key, tag-value, primary-region, "
                                "owning-service or all");
      }
      const json::value* values = one.get_object().if_contains("Values");
      if (values == nullptr || !values->is_array() || values->get_array().empty() || values->get_array().size() > 10) {
        return InvalidParameter("a filter has 1 to 10 Values");
      }
      std::vector<std::string> list;
      for (const json::value& v : values->get_array()) {
        if (!v.is_string() || v.get_string().size() > 512) return InvalidParameter("a filter value is a string of at most 512");
        list.emplace_back(v.get_string());
      }
      filters.emplace_back(std::move(key), std::move(list));
    }
  }
  // Every secret is read in pages, only their summaries kept (values stay sealed and are
  // dropped), then filtered and ordered: a registry has at most kMaxSecrets.
  std::vector<Secret> matching;
  std::string after;
  while (true) {
    BERTH_ASSIGN(std::vector<Secret> page, vault_.List(after, 200));
    if (page.empty()) break;
    after = page.back().name;
    for (Secret& s : page) {
      if (s.scheduled_for_deletion() && !include_deleted) continue;
      const bool keep = std::all_of(filters.begin(), filters.end(), [&](const auto& f) {
        return std::any_of(f.second.begin(), f.second.end(), [&](const std::string& v) { return FilterMatches(s, f.first, v); });
      });
      if (!keep) continue;
      for (SecretVersion& v : s.versions) v.sealed_value.clear();
      matching.push_back(std::move(s));
    }
  }
  std::sort(matching.begin(), matching.end(), [&](const Secret& a, const Secret& b) { return order.Before(a, b); });
  size_t start = 0;
  if (const json::value* token = call.in.if_contains("NextToken")) {
    // The token is the last entry returned, so a change between pages skips nothing.
    std::optional<std::string> decoded = token->is_string() ? crypto::Base64UrlDecode(token->get_string()) : std::nullopt;
    const size_t nl = decoded ? decoded->find('\n') : std::string::npos;
    if (nl == std::string::npos) return Fail(Code::kInvalidArgument, "the NextToken is not valid", "InvalidNextTokenException");
    Secret last{.name = decoded->substr(nl + 1)};
    const int64_t key = std::strtoll(decoded->substr(0, nl).c_str(), nullptr, 10);
    last.created_at = last.last_changed_at = last.last_accessed_at = key;
    while (start < matching.size() && !order.Before(last, matching[start])) ++start;
  }
  json::array list;
  const size_t end = std::min(matching.size(), start + max_results);
  for (size_t i = start; i < end; ++i) list.push_back(SummaryJson(matching[i], "SecretVersionsToStages"));
  json::object out{{"SecretList", std::move(list)}};
  if (end < matching.size()) {
    const Secret& last = matching[end - 1];
    out["NextToken"] = crypto::Base64UrlEncode(std::to_string(order.Key(last)) + "\n" + last.name);
  }
  return out;
}

SecretsManagerApi::Output SecretsManagerApi::DeleteSecret(const Call& call) {
  BERTH_ASSIGN(StoredSecret found, Authorized(call, "DeleteSecret"));
  BERTH_ASSIGN(bool force, OptionalBool(call.in, "ForceDeleteWithoutRecovery"));
  int64_t window = 30;
  if (const json::value* w = call.in.if_contains("RecoveryWindowInDays")) {
    if (force) {
      return InvalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    }
    if (!w->is_int64() || w->get_int64() < 7 || w->get_int64() > 30) {
      return InvalidParameter("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    }
    window = w->get_int64();
  }
  const int64_t now = clock_();
  if (force) {
    BERTH_TRY(vault_.Remove(found));
    return json::object{{"ARN", found.secret.arn}, {"Name", found.secret.name}, {"DeletionDate", now}};
  }
  BERTH_ASSIGN(Secret stored, vault_.Update(found.secret.arn, [&](Secret& s) -> Status {
    if (s.scheduled_for_deletion()) {
      return InvalidRequest("You can't delete secret " + s.name + " that is already scheduled for deletion.");
    }
    s.deleted_at = now;
    s.deletion_at = now + window * 86400;
    return {};
  }));
  return json::object{{"ARN", stored.arn}, {"Name", stored.name}, {"DeletionDate", stored.deletion_at}};
}

SecretsManagerApi::Output SecretsManagerApi::RestoreSecret(const Call& call) {
  BERTH_ASSIGN(StoredSecret found, Authorized(call, "RestoreSecret"));
  BERTH_ASSIGN(Secret stored, vault_.Update(found.secret.arn, [](Secret& s) -> Status {
    s.deleted_at = 0;
    s.deletion_at = 0;
    return {};
  }));
  return json::object{{"ARN", stored.arn}, {"Name", stored.name}};
}

SecretsManagerApi::Output SecretsManagerApi::TagResource(const Call& call) {
  BERTH_ASSIGN(auto tags, TagsOf(call.in));
  if (!call.in.contains("Tags")) return InvalidParameter("the parameter Tags is required");
  BERTH_ASSIGN(StoredSecret found, Authorized(call, "TagResource"));
  ConditionKeys keys = RequestTagKeys(tags);
  if (!keys.empty()) {
    BERTH_TRY(access_.Require(call.who, "secretsmanager:TagResource", found.secret.arn, call.req, std::move(keys)));
  }
  BERTH_TRY(vault_.Update(found.secret.arn, [&](Secret& s) { return secrets::MergeTags(s.tags, tags); }));
  return json::object();
}

SecretsManagerApi::Output SecretsManagerApi::UntagResource(const Call& call) {
  const json::value* keys = call.in.if_contains("TagKeys");
  if (keys == nullptr || !keys->is_array() || keys->get_array().size() > secrets::kMaxTags) {
    return InvalidParameter("TagKeys must list at most 50 keys");
  }
  std::vector<std::string> remove;
  for (const json::value& k : keys->get_array()) {
    if (!k.is_string() || k.get_string().empty() || k.get_string().size() > 128) return InvalidParameter("a tag key is 1 to 128 characters");
    remove.emplace_back(k.get_string());
  }
  BERTH_ASSIGN(StoredSecret found, Authorized(call, "UntagResource"));
  if (!remove.empty()) {
    BERTH_TRY(access_.Require(call.who, "secretsmanager:UntagResource", found.secret.arn, call.req,
                              ConditionKeys{{"aws:TagKeys", remove}}));
  }
  BERTH_TRY(vault_.Update(found.secret.arn, [&](Secret& s) -> Status {
    std::erase_if(s.tags, [&](const auto& t) { return std::find(remove.begin(), remove.end(), t.first) != remove.end(); });
    return {};
  }));
  return json::object();
}

}  // namespace berth::api::secretsmanager
