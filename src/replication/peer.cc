#include "replication/peer.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

#include "aws/sigv4.h"
#include "base/json.h"
#include "base/strings.h"
#include "blob/sequential_reader.h"
#include "replication/configuration.h"

namespace berth::replication {
namespace {

namespace json = boost::json;

constexpr size_t kMaxAnswer = 64 << 10;

// The error the answer means (cache::UnexpectedAnswer), with the start of what it said.
std::unexpected<Error> Refused(std::string_view what, http::ClientResponse& r) {
  Result<std::string> body = r.ReadAll(kMaxAnswer);
  return cache::UnexpectedAnswer(std::string(what) + ": the peer", r.status, body ? body->substr(0, 300) : "");
}

}  // namespace

Result<PeerCredentials> ParsePeerCredentials(std::string_view secret_json) {
  boost::system::error_code ec;
  json::value v = json::parse(secret_json, ec);
  if (ec || !v.is_object()) return Fail(Code::kInvalidArgument, "the peer's secret is not a JSON object");
  const json::object& o = v.as_object();
  if (o.contains("accessKeyId")) {
    PeerCredentials c{.aws = true, .id = JsonString(o, "accessKeyId"), .secret = JsonString(o, "secretAccessKey")};
    if (c.id.empty() || c.secret.empty()) return Fail(Code::kInvalidArgument, "the peer's secret needs accessKeyId and secretAccessKey");
    return c;
  }
  PeerCredentials c{.aws = false, .id = JsonString(o, "username"), .secret = JsonString(o, "password")};
  if (c.id.empty()) {
    return Fail(Code::kInvalidArgument,
                "the peer's secret holds {\"accessKeyId\", \"secretAccessKey\"} or {\"username\", \"password\"}");
  }
  return c;
}

Peer::Peer(http::Client& client, PeerAddress address, std::optional<PeerCredentials> credentials, std::string source)
    : client_(client), address_(std::move(address)), credentials_(std::move(credentials)), source_(std::move(source)) {
  if (credentials_) basic_ = cache::Credentials{credentials_->id, credentials_->secret};
}

std::optional<std::string> Peer::Authorization(std::string_view repository) {
  if (std::optional<std::string> bearer = tokens_.Authorization(repository)) return bearer;
  if (basic_) return cache::BasicAuthorization(*basic_);
  return std::nullopt;
}

Result<std::unique_ptr<http::ClientResponse>> Peer::Send(http::ClientRequest request, std::string_view repository) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    http::ClientRequest r = request;
    if (std::optional<std::string> auth = Authorization(repository)) r.headers.emplace_back("Authorization", *auth);
    BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> answer, client_.Send(r));
    if (answer->status != 401 || attempt == 1) return answer;
    const std::string challenge(answer->Header("WWW-Authenticate").value_or(""));
    (void)answer->ReadAll(kMaxAnswer);
    if (!IEquals(challenge.substr(0, 6), "Bearer")) return answer;
    BERTH_ASSIGN(cache::BearerToken token,
                 cache::FetchBearerToken(client_, challenge, "repository:" + std::string(repository) + ":pull,push", basic_));
    tokens_.Put(repository, std::move(token));
  }
  return Fail(Code::kInternal, "unreachable");
}

Status Peer::EnsureRepository(std::string_view repository) {
  if (!speaks_ecr()) return {};
  const std::string body = json::serialize(json::object{{"repositoryName", repository}});
  http::Url url = address_.url;
  url.target = "/";
  aws::OutgoingRequest out{.method = "POST", .path = "/", .query = "",
                           .headers = {{"host", url.HostHeader()},
                                       {"content-type", "application/x-amz-json-1.1"},
                                       {"x-amz-target", "AmazonEC2ContainerRegistry_V20150921.CreateRepository"},
                                       {AsciiLower(kSourceHeader), source_}},
                           .payload_sha256_hex = aws::HexSha256(body)};
  const std::string authorization =
      aws::SignRequest(out, {.access_key_id = credentials_->id, .secret_access_key = credentials_->secret,
                             .region = address_.region, .service = "ecr"},
                       std::chrono::system_clock::now());
  http::ClientRequest request{.method = "POST", .url = url, .body = body};
  for (const aws::Header& h : out.headers) {
    if (h.name != "host") request.headers.emplace_back(h.name, h.value);
  }
  request.headers.emplace_back("Authorization", authorization);
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> r, client_.Send(request));
  if (r->status == 200) {
    (void)r->ReadAll(kMaxAnswer);
    return {};
  }
  if (r->status == 400) {
    Result<std::string> answer = r->ReadAll(kMaxAnswer);
    if (answer && answer->find("RepositoryAlreadyExistsException") != std::string::npos) return {};
    return Fail(Code::kFailedPrecondition, "CreateRepository at the peer: " + answer.value_or("").substr(0, 300));
  }
  return Refused("CreateRepository", *r);
}

Result<bool> Peer::HasBlob(std::string_view repository, const oci::Digest& digest) {
  http::Url url = address_.url;
  url.target = "/v2/" + std::string(repository) + "/blobs/" + digest.str();
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> r, Send({.method = "HEAD", .url = url}, repository));
  if (r->status == 200) return true;
  if (r->status == 404) return false;
  return Refused("HEAD of a blob", *r);
}

Status Peer::PushBlob(std::string_view repository, const oci::Digest& digest, blob::BlobReader& reader) {
  http::Url url = address_.url;
  url.target = "/v2/" + std::string(repository) + "/blobs/uploads/";
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> started, Send({.method = "POST", .url = url}, repository));
  if (started->status != 202) return Refused("starting an upload", *started);
  const std::string location(started->Header("Location").value_or(""));
  (void)started->ReadAll(kMaxAnswer);
  if (location.empty()) return Fail(Code::kFailedPrecondition, "the peer started an upload without a Location");
  BERTH_ASSIGN(http::Url put, url.Resolve(location));
  put.target += (put.target.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest.str();
  blob::SequentialReader body(reader);
  http::ClientRequest request{.method = "PUT", .url = put};
  request.headers = {{"Content-Type", "application/octet-stream"}};
  request.body_length = reader.size();
  request.body_source = [&body] { return body.Next(); };
  // The upload's token or credentials were settled by the POST: no challenge is answered here,
  // as the streamed body cannot be sent twice.
  if (std::optional<std::string> auth = Authorization(repository)) request.headers.emplace_back("Authorization", *auth);
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> done, client_.Send(request));
  if (done->status != 201) return Refused("uploading " + digest.str(), *done);
  (void)done->ReadAll(kMaxAnswer);
  return {};
}

Status Peer::PutManifest(std::string_view repository, std::string_view reference, std::string_view media_type,
                         std::string_view payload) {
  http::Url url = address_.url;
  url.target = "/v2/" + std::string(repository) + "/manifests/" + std::string(reference);
  http::ClientRequest request{.method = "PUT", .url = url, .body = std::string(payload)};
  request.headers = {{"Content-Type", std::string(media_type)}, {std::string(kSourceHeader), source_}};
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> r, Send(std::move(request), repository));
  if (r->status == 201 || r->status == 200) {
    (void)r->ReadAll(kMaxAnswer);
    return {};
  }
  if (r->status == 400 || r->status == 409) {
    Result<std::string> answer = r->ReadAll(kMaxAnswer);
    const std::string text = answer.value_or("");
    if (text.find("TAG_INVALID") != std::string::npos || text.find("mmutable") != std::string::npos) {
      return Fail(Code::kAlreadyExists, "the peer's tag " + std::string(reference) + " is immutable");
    }
    return Fail(Code::kFailedPrecondition, "PUT of manifest " + std::string(reference) + " at the peer: " + text.substr(0, 300));
  }
  return Refused("PUT of a manifest", *r);
}

}  // namespace berth::replication
