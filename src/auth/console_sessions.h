// auth/console_sessions.h
//
// Sessions of the web console. A browser signs in once with an access key and its secret (or a
// registry token) and then holds only a random session ID in an HttpOnly cookie; every call the
// console makes to Berth's APIs carries that cookie instead of a SigV4 signature, plus the
// session's CSRF token in a header that another site's page cannot set.
//
// A session is a NamedDocument (kind "console-session") named by the SHA-256 of its ID, so the
// metadata store, shared by every node, never holds a usable cookie. It records the access key
// it was opened with and its expiry; the key's principal is looked up on every request, so a
// key deleted or made inactive ends its sessions at once, and the caller can do exactly what
// that key's policies allow. Signing out deletes the document on every node's behalf.
//
// Thread-safe. SignIn and SignOut write to the store (call them on the blocking pool).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/authenticator.h"
#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::auth {

struct ConsoleSession {
  std::string id;          // the cookie's value; empty for a session of an --anonymous server
  std::string csrf_token;  // what the CSRF header must carry: derived from the ID
  int64_t expires_at = 0;  // unix seconds
  Principal principal;
};

class ConsoleSessions {
 public:
  static constexpr std::string_view kCookieName = "berth_session";
  static constexpr std::string_view kCsrfHeader = "X-Berth-Csrf";
  static constexpr std::string_view kDocumentKind = "console-session";
  static constexpr size_t kMaxSessions = 10000;

  // Both references must outlive this object. At most `max_sessions` unexpired sessions are open.
  ConsoleSessions(meta::NamedDocuments& store, const Authenticator& authenticator, int64_t ttl_seconds,
                  size_t max_sessions = kMaxSessions);

  // Opens a session for an access key and its secret. kUnauthenticated when they do not match
  // an active key (the caller learns no more than that); kResourceExhausted when the maximum
  // of unexpired sessions are open.
  Result<ConsoleSession> SignIn(std::string_view access_key_id, std::string_view secret, int64_t now);
  // Opens a session for a registry token (the password of `aws ecr get-login-password`); the
  // session ends when the token would have expired.
  Result<ConsoleSession> SignInWithToken(std::string_view token, int64_t now);

  // The session a Cookie header names. kUnauthenticated when there is none, or it expired, was
  // signed out, or its key is gone.
  Result<ConsoleSession> Resume(std::optional<std::string_view> cookie_header, int64_t now) const;
  // Resume, and the CSRF header must carry the session's token: for every call made with the
  // session. kUnauthenticated otherwise.
  Result<Principal> Authenticate(std::optional<std::string_view> cookie_header,
                                 std::optional<std::string_view> csrf_header, int64_t now) const;
  // kUnauthenticated unless the CSRF header carries the session's token.
  Status CheckCsrf(const ConsoleSession& session, std::optional<std::string_view> csrf_header) const;
  // Ends the session for every node.
  Status SignOut(const ConsoleSession& session);

  // The session ID a Cookie header carries, if any.
  static std::optional<std::string_view> CookieValue(std::optional<std::string_view> cookie_header);
  // Set-Cookie values that store and that clear the session cookie.
  static std::string SetCookie(const ConsoleSession& session, int64_t now, bool secure);
  static std::string ClearCookie(bool secure);

  int64_t ttl_seconds() const { return ttl_seconds_; }

 private:
  Result<ConsoleSession> Open(const Principal& principal, int64_t expires_at, int64_t now);
  Status PurgeExpired(int64_t now);
  std::string CsrfToken(std::string_view id) const;

  meta::NamedDocuments& store_;
  const Authenticator& authenticator_;
  std::string csrf_key_;
  int64_t ttl_seconds_;
  size_t max_sessions_;
};

}  // namespace berth::auth
