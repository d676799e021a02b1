// base/error.h
//
// Error is the single failure type. It carries a canonical Code (the only thing callers branch
// on), a message for people, and an optional API-facing reason such as "BLOB_UNKNOWN" that the
// api/ layer turns into a wire error through one table. Success is never an Error: functions
// return Result<T> (a value or an Error) or Status (= Result<void>).
//
// Value type. Distinct objects may be used from different threads.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace berth {

enum class Code : uint8_t {
  kInvalidArgument,     // malformed client input: bad digest, bad JSON
  kNotFound,            // the named object does not exist
  kAlreadyExists,
  kFailedPrecondition,  // valid request, wrong state: blob not in repository, wrong offset
  kUnauthenticated,
  kPermissionDenied,
  kResourceExhausted,  // size limit, quota
  kAborted,            // conflict: retrying the whole operation is safe
  kUnavailable,        // backend down or busy: retry with backoff
  kUnimplemented,
  kInternal,  // an invariant is broken or the OS failed us; log, count, answer 500
};

std::string_view ToString(Code code);

class Error {
 public:
  // `reason` must outlive the error; pass a string literal.
  Error(Code code, std::string message, std::string_view reason = {})
      : code_(code), reason_(reason), message_(std::move(message)) {}

  Code code() const { return code_; }
  std::string_view reason() const { return reason_; }
  const std::string& message() const { return message_; }

  // Returns this error with "context: " in front of the message.
  Error Wrap(std::string_view context) &&;

 private:
  Code code_;
  std::string_view reason_;
  std::string message_;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(Code code, std::string message, std::string_view reason = {}) {
  return std::unexpected<Error>(Error(code, std::move(message), reason));
}

// An error from errno, for the lowest layers that call the OS.
std::unexpected<Error> FailErrno(std::string_view what, int err);

}  // namespace berth

#define BERTH_CONCAT_INNER(a, b) a##b
#define BERTH_CONCAT(a, b) BERTH_CONCAT_INNER(a, b)

// BERTH_TRY(expr): returns the error of a Result/Status, otherwise continues.
#define BERTH_TRY(expr)                                                                  \
  do {                                                                                   \
    if (auto berth_try_result = (expr); !berth_try_result) {                             \
      return std::unexpected<::berth::Error>(std::move(berth_try_result).error());       \
    }                                                                                    \
  } while (false)

#define BERTH_ASSIGN_IMPL(tmp, lhs, expr, ret)                                           \
  auto tmp = (expr);                                                                     \
  if (!tmp) ret std::unexpected<::berth::Error>(std::move(tmp).error());                 \
  lhs = std::move(*tmp)

// BERTH_ASSIGN(lhs, expr): lhs = the value of a Result, or returns its error.
#define BERTH_ASSIGN(lhs, expr) \
  BERTH_ASSIGN_IMPL(BERTH_CONCAT(berth_assign_, __LINE__), lhs, expr, return)

// Coroutine versions of the above.
#define BERTH_CO_TRY(expr)                                                               \
  do {                                                                                   \
    if (auto berth_try_result = (expr); !berth_try_result) {                             \
      co_return std::unexpected<::berth::Error>(std::move(berth_try_result).error());    \
    }                                                                                    \
  } while (false)
#define BERTH_CO_ASSIGN(lhs, expr) \
  BERTH_ASSIGN_IMPL(BERTH_CONCAT(berth_assign_, __LINE__), lhs, expr, co_return)
