#include "auth/console_sessions.h"

#include <boost/json.hpp>

#include <algorithm>
#include <vector>

#include "base/json.h"
#include "base/strings.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "crypto/sha256.h"

namespace berth::auth {

namespace json = boost::json;

namespace {

std::unexpected<Error> SignedOut(std::string message) {
  return std::unexpected(Error(Code::kUnauthenticated, std::move(message), "UnrecognizedClientException"));
}

// The document's name: the ID's hash, so the store never holds a cookie that works.
std::string DocumentName(std::string_view id) { return crypto::Sha256::HexOf(id); }

// Session IDs are 32 random bytes in base64url: 43 characters of [A-Za-z0-9_-].
bool WellFormedId(std::string_view id) {
  return id.size() == 43 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

}  // namespace

ConsoleSessions::ConsoleSessions(meta::NamedDocuments& store, const Authenticator& authenticator, int64_t ttl_seconds,
                                 size_t max_sessions)
    : store_(store),
      authenticator_(authenticator),
      csrf_key_(authenticator.keyring().Derive("console-csrf")),
      ttl_seconds_(ttl_seconds),
      max_sessions_(max_sessions) {}

std::string ConsoleSessions::CsrfToken(std::string_view id) const {
  return crypto::Base64UrlEncode(crypto::HmacSha256(csrf_key_, id));
}

Result<ConsoleSession> ConsoleSessions::SignIn(std::string_view access_key_id, std::string_view secret, int64_t now) {
  Result<Principal> who = authenticator_.VerifySecret(access_key_id, secret);
  if (!who) {
    if (who.error().code() != Code::kUnauthenticated) return std::unexpected(std::move(who).error());
    return SignedOut("The access key ID or secret access key is not right.");
  }
  return Open(*who, now + ttl_seconds_, now);
}

Result<ConsoleSession> ConsoleSessions::SignInWithToken(std::string_view token, int64_t now) {
  Result<Authenticator::VerifiedToken> verified = authenticator_.VerifyRegistryToken(token, now);
  if (!verified) {
    if (verified.error().code() != Code::kUnauthenticated) return std::unexpected(std::move(verified).error());
    return SignedOut("The token is not valid: " + verified.error().message() + ".");
  }
  return Open(verified->principal, std::min(verified->expires_at, now + ttl_seconds_), now);
}

Result<ConsoleSession> ConsoleSessions::Open(const Principal& principal, int64_t expires_at, int64_t now) {
  static constexpr std::string_view kIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  ConsoleSession session{.id = crypto::RandomString(43, kIdAlphabet), .csrf_token = {}, .expires_at = expires_at,
                         .principal = principal};
  session.csrf_token = CsrfToken(session.id);
  const std::string document =
      json::serialize(json::object{{"key", principal.access_key_id}, {"created", now}, {"expires", expires_at}});
  Result<int64_t> put = store_.PutDocument(kDocumentKind, DocumentName(session.id), document, 0, max_sessions_);
  if (!put && put.error().code() == Code::kResourceExhausted) {
    // Full: sessions that expired without a sign-out make room.
    BERTH_TRY(PurgeExpired(now));
    put = store_.PutDocument(kDocumentKind, DocumentName(session.id), document, 0, max_sessions_);
  }
  if (!put) {
    if (put.error().code() == Code::kResourceExhausted) {
      return Fail(Code::kResourceExhausted,
                  "too many console sessions are open; sign out elsewhere or wait for sessions to expire",
                  "LimitExceededException");
    }
    return std::unexpected(std::move(put).error());
  }
  return session;
}

Status ConsoleSessions::PurgeExpired(int64_t now) {
  std::string after;
  while (true) {
    BERTH_ASSIGN(std::vector<meta::NamedDocument> page, store_.ListDocuments(kDocumentKind, after, 1000));
    for (const meta::NamedDocument& doc : page) {
      boost::system::error_code ec;
      json::value v = json::parse(doc.document, ec);
      const bool expired = ec || !v.is_object() || JsonInt(v.as_object(), "expires") <= now;
      // Another node may have replaced or removed it meanwhile: then it is not ours to remove.
      if (expired) (void)store_.DeleteDocument(kDocumentKind, doc.name, doc.revision);
    }
    if (page.size() < 1000) return {};
    after = page.back().name;
  }
}

std::optional<std::string_view> ConsoleSessions::CookieValue(std::optional<std::string_view> cookie_header) {
  if (!cookie_header) return std::nullopt;
  std::string_view rest = *cookie_header;
  // "a=1; berth_session=...; b=2": pairs split by ';', names compared exactly (RFC 6265).
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    std::string_view pair = Trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && Trim(pair.substr(0, eq)) == kCookieName) return Trim(pair.substr(eq + 1));
  }
  return std::nullopt;
}

Result<ConsoleSession> ConsoleSessions::Resume(std::optional<std::string_view> cookie_header, int64_t now) const {
  std::optional<std::string_view> id = CookieValue(cookie_header);
  if (!id) return SignedOut("Not signed in to the console.");
  if (!WellFormedId(*id)) return SignedOut("The console session is not valid; sign in again.");
  BERTH_ASSIGN(std::optional<meta::NamedDocument> doc, store_.GetDocument(kDocumentKind, DocumentName(*id)));
  if (!doc) return SignedOut("The console session has ended; sign in again.");
  boost::system::error_code ec;
  json::value v = json::parse(doc->document, ec);
  if (ec || !v.is_object()) return Fail(Code::kInternal, "a stored console session is not JSON");
  const int64_t expires_at = JsonInt(v.as_object(), "expires");
  if (expires_at <= now) return SignedOut("The console session has expired; sign in again.");
  // The key's principal afresh: a key deleted or made inactive ends the session.
  Result<Principal> who = authenticator_.PrincipalFor(JsonStringView(v.as_object(), "key"));
  if (!who) {
    if (who.error().code() != Code::kUnauthenticated) return std::unexpected(std::move(who).error());
    return SignedOut("The access key of this console session is no longer active; sign in again.");
  }
  return ConsoleSession{.id = std::string(*id), .csrf_token = CsrfToken(*id), .expires_at = expires_at,
                        .principal = *std::move(who)};
}

Status ConsoleSessions::CheckCsrf(const ConsoleSession& session, std::optional<std::string_view> csrf_header) const {
  if (!csrf_header || !crypto::ConstantTimeEquals(*csrf_header, session.csrf_token)) {
    return Fail(Code::kUnauthenticated,
                "A call made with a console session must carry the session's token in " + std::string(kCsrfHeader) + ".",
                "MissingAuthenticationTokenException");
  }
  return {};
}

Result<Principal> ConsoleSessions::Authenticate(std::optional<std::string_view> cookie_header,
                                                std::optional<std::string_view> csrf_header, int64_t now) const {
  BERTH_ASSIGN(ConsoleSession session, Resume(cookie_header, now));
  BERTH_TRY(CheckCsrf(session, csrf_header));
  return std::move(session.principal);
}

Status ConsoleSessions::SignOut(const ConsoleSession& session) {
  BERTH_TRY(store_.DeleteDocument(kDocumentKind, DocumentName(session.id), 0));
  return {};
}

std::string ConsoleSessions::SetCookie(const ConsoleSession& session, int64_t now, bool secure) {
  // Path=/ because the console calls the AWS APIs at POST /; SameSite=Strict keeps other sites'
  // pages from sending it at all.
  return std::string(kCookieName) + "=" + session.id + "; Path=/; Max-Age=" +
         std::to_string(std::max<int64_t>(0, session.expires_at - now)) + "; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

std::string ConsoleSessions::ClearCookie(bool secure) {
  return std::string(kCookieName) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

}  // namespace berth::auth
