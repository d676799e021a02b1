#include "http/body.h"

#include <vector>

namespace berth::http {

Task<Result<std::string>> ReadWholeBody(Request& req, size_t limit) {
  auto too_large = [limit] {
    return Fail(Code::kResourceExhausted, "the request body is over " + std::to_string(limit) + " bytes");
  };
  if (std::optional<uint64_t> length = req.content_length(); length && *length > limit) co_return too_large();
  std::string body;
  std::vector<char> chunk(64 * 1024);
  while (true) {
    Result<size_t> n = co_await req.ReadBody(chunk);
    if (!n) co_return std::unexpected(std::move(n).error());
    if (*n == 0) co_return body;
    if (body.size() + *n > limit) co_return too_large();
    body.append(chunk.data(), *n);
  }
}

}  // namespace berth::http
