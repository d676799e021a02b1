#include "base/json_text.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <gtest/gtest.h>

#include <random>

namespace berth {
namespace {

// What Boost.JSON's serializer writes for the same text: the escapes AppendJsonText promises.
std::string Reference(std::string_view text) { return boost::json::serialize(boost::json::string_view(text)); }

std::string Written(std::string_view text) {
  std::string out = "prefix:";
  AppendJsonText(out, text);
  return out.substr(7);
}

TEST(JsonText, EscapesWhatJsonRequires) {
  EXPECT_EQ(Written(""), "\"\"");
  EXPECT_EQ(Written("plain text, long enough for whole words"), "\"plain text, long enough for whole words\"");
  EXPECT_EQ(Written(std::string("a\"b\\c\nd\te\x01\x1f\x7f caf\xc3\xa9") + std::string(1, '\0')),
            "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f\x7f caf\xc3\xa9\\u0000\"");
}

// Every byte that needs an escape, at every position in and across 8-byte words, among bytes that
// do not (space, 0x7f, 0x80 and 0xff sit at the edges of the word test's ranges).
TEST(JsonText, AgreesWithBoostJsonAtEveryPosition) {
  const std::string specials = std::string("\"\\\b\f\n\r\t\x01\x1f", 9) + std::string(1, '\0');
  const std::string plain = std::string(" !#[]~\x7f\x80\xff", 9) + "az09";
  std::mt19937 random(15);
  for (size_t length = 0; length < 40; ++length) {
    for (int trial = 0; trial < 200; ++trial) {
      std::string text;
      for (size_t i = 0; i < length; ++i) {
        const bool special = random() % 8 == 0;
        const std::string& from = special ? specials : plain;
        text += from[random() % from.size()];
      }
      ASSERT_EQ(Written(text), Reference(text)) << "length " << length;
    }
  }
}

// The bound writers size a line by: a byte that needs \u00XX takes all six, and no more.
TEST(JsonText, WritesAtMostTheBound) {
  const std::string controls("\x01\x02\x1f\x00\x10", 5);
  std::string out(MaxJsonTextBytes(controls.size()), '#');
  EXPECT_EQ(WriteJsonText(out.data(), controls), out.data() + out.size());
  EXPECT_EQ(out, Reference(controls));
}

}  // namespace
}  // namespace berth
