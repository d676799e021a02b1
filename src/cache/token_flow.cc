#include "cache/token_flow.h"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>

#include "base/json.h"
#include "base/strings.h"
#include "crypto/random.h"

namespace berth::cache {

namespace json = boost::json;

namespace {

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

// The parameters of a WWW-Authenticate challenge: `Bearer realm="...",service="..."`.
std::map<std::string, std::string> ChallengeParams(std::string_view challenge) {
  std::map<std::string, std::string> out;
  const size_t space = challenge.find(' ');
  std::string_view rest = space == std::string_view::npos ? std::string_view() : challenge.substr(space + 1);
  while (!rest.empty()) {
    rest = Trim(rest);
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string key = AsciiLower(Trim(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    std::string value;
    if (rest.starts_with('"')) {
      size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value += rest[i];
      }
      rest.remove_prefix(std::min(rest.size(), i + 1));
    } else {
      const size_t comma = rest.find(',');
      value = std::string(Trim(rest.substr(0, comma)));
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma);
    }
    out[key] = value;
    rest = Trim(rest);
    if (rest.starts_with(',')) rest.remove_prefix(1);
  }
  return out;
}

Result<BearerToken> FetchBearerToken(http::Client& client, std::string_view challenge, std::string_view scope,
                                     const std::optional<Credentials>& credentials) {
  std::map<std::string, std::string> params = ChallengeParams(challenge);
  BERTH_ASSIGN(http::Url realm, http::Url::Parse(params["realm"]));
  std::string query;
  if (!params["service"].empty()) query += "service=" + PercentEncode(params["service"]);
  const std::string wanted = scope.empty() ? params["scope"] : std::string(scope);
  if (!wanted.empty()) query += std::string(query.empty() ? "" : "&") + "scope=" + PercentEncode(wanted);
  realm.target += (realm.target.find('?') == std::string::npos ? "?" : "&") + query;
  http::ClientRequest request{.method = "GET", .url = realm};
  if (credentials) request.headers.emplace_back("Authorization", BasicAuthorization(*credentials));
  BERTH_ASSIGN(std::unique_ptr<http::ClientResponse> r, client.Send(request));
  if (r->status != 200) return UnexpectedAnswer("the token service", r->status);
  BERTH_ASSIGN(std::string body, r->ReadAll(64 * 1024));
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return Fail(Code::kUnavailable, "the token service answered no JSON");
  std::string token = JsonString(doc.get_object(), "token");
  if (token.empty()) token = JsonString(doc.get_object(), "access_token");
  if (token.empty()) return Fail(Code::kUnavailable, "the token service answered no token");
  int64_t ttl = 60;
  if (const json::value* e = doc.get_object().if_contains("expires_in"); e != nullptr && e->is_int64()) {
    ttl = std::max<int64_t>(e->get_int64(), 10);
  }
  return BearerToken{.value = std::move(token), .expires_at = Now() + ttl};
}

std::string BasicAuthorization(const Credentials& credentials) {
  return "Basic " + crypto::Base64Encode(credentials.username + ":" + credentials.password);
}

std::optional<std::string> TokenCache::Authorization(std::string_view repository) {
  std::lock_guard lock(mu_);
  if (auto it = tokens_.find(repository); it != tokens_.end() && it->second.expires_at > Now() + 5) {
    return "Bearer " + it->second.value;
  }
  return std::nullopt;
}

void TokenCache::Put(std::string_view repository, BearerToken token) {
  std::lock_guard lock(mu_);
  tokens_.insert_or_assign(std::string(repository), std::move(token));
}

std::unexpected<Error> UnexpectedAnswer(std::string_view what, int status, std::string_view detail) {
  std::string message = std::string(what) + " answered HTTP " + std::to_string(status);
  if (!detail.empty()) message += " " + std::string(detail);
  if (status == 401 || status == 403) return Fail(Code::kPermissionDenied, std::move(message));
  if (status == 429 || status >= 500) return Fail(Code::kUnavailable, std::move(message));
  return Fail(Code::kFailedPrecondition, std::move(message));
}

}  // namespace berth::cache
