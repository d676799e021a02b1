#include "api/iam/iam_api.h"

#include "api/iam/entities.h"
#include "async/blocking.h"
#include "api/signed_request.h"
#include "aws/sigv4.h"
#include "base/strings.h"
#include "crypto/random.h"
#include "http/body.h"

namespace berth::api::iam {
namespace {

// The Authorization header's credential scope says which service (and region) the request is
// signed for; absent or malformed, it says nothing (and verification refuses the request).
Result<aws::ParsedAuthorization> SignedFor(const http::Request& req) {
  std::optional<std::string_view> authorization = req.Header("Authorization");
  if (!authorization) return Fail(Code::kUnauthenticated, "no Authorization header");
  return aws::ParseAuthorization(*authorization);
}

}  // namespace

IamApi::IamApi(auth::Authenticator& authenticator, AccessControl& access, Auditor& auditor,
               berth::iam::Directory& directory, boost::asio::thread_pool& blocking, IamApiOptions options, std::function<int64_t()> clock)
    : authenticator_(authenticator), access_(access), auditor_(auditor), directory_(directory), blocking_(blocking),
      options_(std::move(options)), clock_(std::move(clock)) {}

bool IamApi::Claims(const http::Request& req) {
  if (req.method() != http::Method::kPost || req.path() != "/" || req.Header("X-Amz-Target")) return false;
  std::string_view type = req.Header("Content-Type").value_or("");
  return type.size() >= 33 && IEquals(type.substr(0, 33), "application/x-www-form-urlencoded");
}

http::Task<http::Response> IamApi::Handle(http::Request& req) {
  AuditRecord audit{.source = "iam.amazonaws.com", .name = "Unknown", .request_id = crypto::RandomUuid()};
  http::Response r = co_await Serve(req, audit);
  auditor_.Record(req, std::move(audit));
  co_return r;
}

http::Task<http::Response> IamApi::Serve(http::Request& req, AuditRecord& audit) {
  const std::string request_id = audit.request_id;
  const Result<aws::ParsedAuthorization> signed_for = SignedFor(req);
  const std::string service = signed_for ? signed_for->service : std::string();
  if (service == "sts") audit.source = "sts.amazonaws.com";
  const std::string_view xmlns = service == "sts" ? kStsXmlns : kIamXmlns;
  auto error = [&](const Error& e) {
    audit.error_code = e.reason().empty() ? "ServiceFailure" : std::string(e.reason());
    audit.error_message = e.message();
    return QueryError(e, xmlns, request_id);
  };

  Result<std::string> body = co_await http::ReadWholeBody(req, options_.max_request_bytes);
  if (!body) co_return error(Error(Code::kInvalidArgument, "the request body is too large or broken", "MalformedQueryString"));
  Result<Params> params = ParseForm(*body);
  if (!params) co_return error(params.error());
  const std::string action = Optional(*params, "Action");
  audit.name = action.substr(0, 64);
  audit.read_only = action.starts_with("Get") || action.starts_with("List");
  for (const auto& [k, v] : *params) {
    if (k != "Action" && k != "Version") audit.request_parameters[k] = v;
  }

  auth::Principal principal = authenticator_.Anonymous();
  if (!authenticator_.anonymous()) {
    if (!req.Header("Authorization") && !CarriesConsoleSession(req)) {
      co_return error(Error(Code::kUnauthenticated, "Request is missing Authentication Token",
                            "MissingAuthenticationToken"));
    }
    // IAM and STS are global: clients sign them for us-east-1 or for their configured region.
    const std::string region =
        signed_for && signed_for->region == "us-east-1" ? std::string("us-east-1") : options_.region;
    Result<auth::Principal> who = AuthenticateSigned(req, *body, authenticator_, region,
                                                     service == "sts" ? "sts" : "iam", {"host", "x-amz-date"}, clock_());
    if (!who) {
      // The query protocol names these as IAM does.
      const std::string_view reason = who.error().reason();
      const char* code = reason == "UnrecognizedClientException" ? "InvalidClientTokenId"
                         : reason == "InvalidSignatureException" ? "SignatureDoesNotMatch"
                         : reason == "IncompleteSignatureException" ? "IncompleteSignature"
                                                                     : "MissingAuthenticationToken";
      co_return error(Error(Code::kUnauthenticated, who.error().message(), code));
    }
    principal = *who;
  }
  audit.principal = principal;

  if (service == "sts" || action == "GetCallerIdentity") {
    if (action != "GetCallerIdentity") {
      co_return error(Error(Code::kInvalidArgument, "Could not find operation " + action.substr(0, 100) + " for STS",
                            "InvalidAction"));
    }
    // Anyone signed in may ask who they are; no permission is needed (as in AWS).
    Xml xml;
    xml.Leaf("Arn", principal.arn).Leaf("UserId", principal.user_id).Leaf("Account", access_.account_id());
    co_return QueryResponse(action, kStsXmlns, std::move(xml).str(), request_id);
  }

  const Call call{*params, principal, req};
  Output out = co_await async::RunBlocking(blocking_, [&] { return Dispatch(action, call); });
  if (!out) co_return error(out.error());
  co_return QueryResponse(action, kIamXmlns, *out, request_id);
}

IamApi::Output IamApi::Dispatch(const std::string& action, const Call& call) {
  using Handler = Output (IamApi::*)(const Call&);
  static const std::map<std::string_view, Handler> kHandlers = {
      {"CreateUser", &IamApi::CreateUser},
      {"GetUser", &IamApi::GetUser},
      {"ListUsers", &IamApi::ListUsers},
      {"DeleteUser", &IamApi::DeleteUser},
      {"CreateAccessKey", &IamApi::CreateAccessKey},
      {"ListAccessKeys", &IamApi::ListAccessKeys},
      {"UpdateAccessKey", &IamApi::UpdateAccessKey},
      {"DeleteAccessKey", &IamApi::DeleteAccessKey},
      {"PutUserPolicy", &IamApi::PutUserPolicy},
      {"GetUserPolicy", &IamApi::GetUserPolicy},
      {"ListUserPolicies", &IamApi::ListUserPolicies},
      {"DeleteUserPolicy", &IamApi::DeleteUserPolicy},
      {"AttachUserPolicy", &IamApi::AttachUserPolicy},
      {"DetachUserPolicy", &IamApi::DetachUserPolicy},
      {"ListAttachedUserPolicies", &IamApi::ListAttachedUserPolicies},
      {"ListGroupsForUser", &IamApi::ListGroupsForUser},
      {"CreateGroup", &IamApi::CreateGroup},
      {"GetGroup", &IamApi::GetGroup},
      {"ListGroups", &IamApi::ListGroups},
      {"DeleteGroup", &IamApi::DeleteGroup},
      {"AddUserToGroup", &IamApi::AddUserToGroup},
      {"RemoveUserFromGroup", &IamApi::RemoveUserFromGroup},
      {"PutGroupPolicy", &IamApi::PutGroupPolicy},
      {"GetGroupPolicy", &IamApi::GetGroupPolicy},
      {"ListGroupPolicies", &IamApi::ListGroupPolicies},
      {"DeleteGroupPolicy", &IamApi::DeleteGroupPolicy},
      {"AttachGroupPolicy", &IamApi::AttachGroupPolicy},
      {"DetachGroupPolicy", &IamApi::DetachGroupPolicy},
      {"ListAttachedGroupPolicies", &IamApi::ListAttachedGroupPolicies},
      {"CreatePolicy", &IamApi::CreatePolicy},
      {"GetPolicy", &IamApi::GetPolicy},
      {"GetPolicyVersion", &IamApi::GetPolicyVersion},
      {"ListPolicies", &IamApi::ListPolicies},
      {"DeletePolicy", &IamApi::DeletePolicy},
  };
  auto it = kHandlers.find(action);
  if (it == kHandlers.end()) {
    return Fail(Code::kInvalidArgument,
                "Could not find operation " + action.substr(0, 100) + " for version 2010-05-08", "InvalidAction");
  }
  return (this->*(it->second))(call);
}

Status IamApi::Update(const Call& call, std::string_view action, std::string resource, const Change& change) {
  BERTH_TRY(access_.Require(call.principal, "iam:" + std::string(action), std::move(resource), call.request));
  BERTH_TRY(directory_.Update(change));
  return {};
}

Result<std::shared_ptr<const berth::iam::Snapshot>> IamApi::Read(const Call& call, std::string_view action,
                                                                  std::string resource) {
  BERTH_TRY(access_.Require(call.principal, "iam:" + std::string(action), std::move(resource), call.request));
  return directory_.Latest();
}

Result<std::string> IamApi::UserNameOrCaller(const Call& call) const {
  std::string name = Optional(call.params, "UserName");
  if (!name.empty()) {
    BERTH_TRY(ValidateName(name, "userName", 64));
    return name;
  }
  if (call.principal.kind == auth::Principal::Kind::kUser) return call.principal.name;
  return Fail(Code::kInvalidArgument,
              "the account root's own keys are managed by Berth's data directory; name a user with UserName",
              "ValidationError");
}

namespace {

// The path of a user or group, "/" when there is none by that name.
template <class Map>
std::string PathOf(const Map& entities, const std::string& name) {
  auto it = entities.find(name);
  return it == entities.end() ? std::string("/") : it->second.path;
}

}  // namespace

std::string IamApi::UserArn(const std::string& name) {
  Result<std::shared_ptr<const berth::iam::Snapshot>> snap = directory_.Current();
  return Arn("user", snap ? PathOf((*snap)->state().users, name) : "/", name);
}

std::string IamApi::GroupArn(const std::string& name) {
  Result<std::shared_ptr<const berth::iam::Snapshot>> snap = directory_.Current();
  return Arn("group", snap ? PathOf((*snap)->state().groups, name) : "/", name);
}

std::string IamApi::Arn(std::string_view kind, std::string_view path, std::string_view name) const {
  return "arn:aws:iam::" + access_.account_id() + ":" + std::string(kind) + std::string(path) + std::string(name);
}

}  // namespace berth::api::iam
