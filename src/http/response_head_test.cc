#include "http/response_head.h"

#include <gtest/gtest.h>

namespace berth::http {
namespace {

using Headers = ResponseHeaders;

TEST(ResponseHead, WritesTheStatusLineHeadersInOrderAndTheLength) {
  std::string out = "left over from the last response";
  const Headers headers = {{"Content-Type", "application/json"}, {"Docker-Content-Digest", "sha256:ab"}};
  EXPECT_EQ(FormatResponseHead(out, 200, headers, 418, true), 0u);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDocker-Content-Digest: sha256:ab\r\n"
            "Content-Length: 418\r\n\r\n");
}

TEST(ResponseHead, SaysCloseWhenTheConnectionWillNotBeKept) {
  std::string out;
  FormatResponseHead(out, 404, {}, 0, false);
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

TEST(ResponseHead, LeavesOutTheLengthWhereTheStatusHasNoBody) {
  EXPECT_TRUE(StatusHasNoBody(204));
  EXPECT_TRUE(StatusHasNoBody(304));
  EXPECT_TRUE(StatusHasNoBody(101));
  EXPECT_FALSE(StatusHasNoBody(200));
  EXPECT_FALSE(StatusHasNoBody(202));
  std::string out;
  FormatResponseHead(out, 204, {{"X-A", "1"}}, std::nullopt, true);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
}

TEST(ResponseHead, KnowsTheReasonOfEveryStatusTheRegistryAnswers) {
  const std::pair<int, std::string_view> statuses[] = {
      {201, "201 Created"}, {202, "202 Accepted"}, {206, "206 Partial Content"},
      {307, "307 Temporary Redirect"}, {400, "400 Bad Request"}, {401, "401 Unauthorized"},
      {403, "403 Forbidden"}, {405, "405 Method Not Allowed"}, {409, "409 Conflict"},
      {413, "413 Payload Too Large"}, {416, "416 Range Not Satisfiable"}, {429, "429 Too Many Requests"},
      {431, "431 Request Header Fields Too Large"}, {500, "500 Internal Server Error"},
      {503, "503 Service Unavailable"}};
  std::string out;
  for (const auto& [status, line] : statuses) {
    FormatResponseHead(out, status, {}, 0, true);
    EXPECT_EQ(out.substr(9, line.size() + 2), std::string(line) + "\r\n") << status;
  }
}

TEST(ResponseHead, AnUnknownStatusKeepsItsNumberAndAnOutOfRangeOneBecomesA500) {
  std::string out;
  FormatResponseHead(out, 299, {}, 0, true);
  EXPECT_EQ(out.substr(0, 15), "HTTP/1.1 299 \r\n");
  FormatResponseHead(out, 42, {}, 0, true);
  EXPECT_EQ(out.substr(0, 13), "HTTP/1.1 500 ");
  FormatResponseHead(out, 1000, {}, 0, true);
  EXPECT_EQ(out.substr(0, 13), "HTTP/1.1 500 ");
}

TEST(ResponseHead, AHeaderThatWouldSplitTheResponseIsLeftOutAndCounted) {
  std::string out;
  const Headers headers = {{"Location", "/v2/a\r\nSet-Cookie: x=1"},
                           {"X-Bad\n", "v"},
                           {"", "no name"},
                           {"X-Nul", std::string("a\0b", 3)},
                           {"X-Good", "kept"}};
  EXPECT_EQ(FormatResponseHead(out, 200, headers, 2, true), 4u);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nX-Good: kept\r\nContent-Length: 2\r\n\r\n");
}

TEST(ResponseHead, FindsABreakAtEveryPlaceInALongValue) {
  const std::string plain(40, 'a');
  std::string out;
  for (char bad : {'\r', '\n', '\0'}) {
    for (size_t at = 0; at < plain.size(); ++at) {
      std::string value = plain;
      value[at] = bad;
      EXPECT_EQ(FormatResponseHead(out, 200, {{"X-Long", value}}, 0, true), 1u) << int(bad) << " at " << at;
    }
  }
  EXPECT_EQ(FormatResponseHead(out, 200, {{"X-Long", plain + "\x8d\x0a\x7f"}}, 0, true), 1u);
  EXPECT_EQ(FormatResponseHead(out, 200, {{"X-Long", plain + "\x8d\x8a\x80\x7f\t"}}, 0, true), 0u);
}

TEST(ResponseHead, AnEmptyValueIsKept) {
  std::string out;
  FormatResponseHead(out, 200, {{"X-Empty", ""}}, 0, true);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nX-Empty: \r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace berth::http
