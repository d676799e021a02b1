// console/console_api.h
//
// Serves the web console under /console/: its embedded files (assets.h), the session calls that
// sign a browser in and out (/console/api/session), and two reads that no AWS API answers:
//   GET /console/api/repositories?after=NAME&limit=N  each repository's image count, size (shared
//       layers counted once) and last push: the repositories the caller may DescribeRepositories;
//   GET /console/api/usage?since=UNIX  samples of the storage used (ecr:DescribeRegistry).
// Everything else the console does, it does through Berth's AWS APIs with the session
// (auth/console_sessions.h).
//
// Every answer carries a strict Content-Security-Policy (scripts and styles only from this
// origin, no inline script, no framing); session answers are never cached.
//
// Thread-safe.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <cstdint>
#include <functional>
#include <string>

#include "api/access_control.h"
#include "api/auditor.h"
#include "auth/authenticator.h"
#include "auth/console_sessions.h"
#include "http/message.h"
#include "meta/metadata_store.h"

namespace berth::console {

struct ConsoleOptions {
  std::string account_id;
  std::string region;
  bool secure_cookies = false;  // served over TLS: the session cookie is Secure
};

class ConsoleApi {
 public:
  // Every reference must outlive this object.
  ConsoleApi(auth::ConsoleSessions& sessions, const auth::Authenticator& authenticator, api::Auditor& auditor,
             api::AccessControl& access, meta::MetadataStore& meta, boost::asio::thread_pool& blocking,
             ConsoleOptions options, std::function<int64_t()> clock);

  // Is the request the console's (/console or under /console/)?
  static bool Claims(const http::Request& req);
  http::Task<http::Response> Handle(http::Request& req);

 private:
  http::Response ServeAsset(const http::Request& req) const;
  http::Task<http::Response> Session(http::Request& req);
  http::Task<http::Response> SignIn(http::Request& req);
  // Who the session is, and its CSRF token; with the cookie that stores it when just signed in.
  // The caller of a read: the session (with its CSRF header), or everyone under --anonymous.
  Result<auth::Principal> Caller(const http::Request& req, int64_t now) const;
  http::Task<http::Response> RepositoryUsage(http::Request& req);
  http::Task<http::Response> StorageUsage(http::Request& req);
  http::Response Describe(const auth::ConsoleSession& session, int64_t now, bool set_cookie) const;

  auth::ConsoleSessions& sessions_;
  const auth::Authenticator& authenticator_;
  api::Auditor& auditor_;
  api::AccessControl& access_;
  meta::MetadataStore& meta_;
  boost::asio::thread_pool& blocking_;
  ConsoleOptions options_;
  std::function<int64_t()> clock_;
};

}  // namespace berth::console
