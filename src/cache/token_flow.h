// cache/token_flow.h
//
// The client side of the Docker registry token flow: a 401's `WWW-Authenticate: Bearer
// realm=...,service=...` challenge is answered by asking the realm for a token of a scope, with
// Basic credentials when there are some. Used to pull from upstreams (cache/upstream.h) and to
// push to replication peers (replication/peer.h). Blocking.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "http/client.h"

namespace berth::cache {

struct Credentials {
  std::string username;
  std::string password;
};
// "Basic <base64 of username:password>".
std::string BasicAuthorization(const Credentials& credentials);

// The parameters of a WWW-Authenticate challenge: `Bearer realm="...",service="..."`, keys in
// lower case.
std::map<std::string, std::string> ChallengeParams(std::string_view challenge);

struct BearerToken {
  std::string value;
  int64_t expires_at = 0;  // unix seconds
};
// `scope` "" keeps the challenge's own. kPermissionDenied when the service refuses the
// credentials, kUnavailable when it fails or answers no token.
Result<BearerToken> FetchBearerToken(http::Client& client, std::string_view challenge, std::string_view scope,
                                     const std::optional<Credentials>& credentials);

// Bearer tokens by repository, each used until 5 s before it expires. Thread-safe.
class TokenCache {
 public:
  // "Bearer <token>", or nullopt when none is held for `repository` or it is about to expire.
  std::optional<std::string> Authorization(std::string_view repository);
  void Put(std::string_view repository, BearerToken token);

 private:
  std::mutex mu_;
  std::map<std::string, BearerToken, std::less<>> tokens_;
};

// The error an unexpected answer means: kPermissionDenied for 401/403, kUnavailable for 429 and
// 5xx (worth trying again), kFailedPrecondition otherwise. `detail` (what the answer said) is
// appended to the message when given.
std::unexpected<Error> UnexpectedAnswer(std::string_view what, int status, std::string_view detail = {});

}  // namespace berth::cache
