// console/console_api.h
//
// Serves the web console under /console/: its embedded files (assets.h), and the session calls
// that sign a browser in and out (/console/api/session). Everything else the console does, it
// does through Berth's AWS APIs with the session (auth/console_sessions.h).
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

#include "api/auditor.h"
#include "auth/authenticator.h"
#include "auth/console_sessions.h"
#include "http/message.h"

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
             boost::asio::thread_pool& blocking, ConsoleOptions options, std::function<int64_t()> clock);

  // Is the request the console's (/console or under /console/)?
  static bool Claims(const http::Request& req);
  http::Task<http::Response> Handle(http::Request& req);

 private:
  http::Response ServeAsset(const http::Request& req) const;
  http::Task<http::Response> Session(http::Request& req);
  http::Task<http::Response> SignIn(http::Request& req);
  // Who the session is, and its CSRF token; with the cookie that stores it when just signed in.
  http::Response Describe(const auth::ConsoleSession& session, int64_t now, bool set_cookie) const;

  auth::ConsoleSessions& sessions_;
  const auth::Authenticator& authenticator_;
  api::Auditor& auditor_;
  boost::asio::thread_pool& blocking_;
  ConsoleOptions options_;
  std::function<int64_t()> clock_;
};

}  // namespace berth::console
