#include <gtest/gtest.h>

#include "crypto/random.h"
#include "crypto/sha256.h"

namespace berth::crypto {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256::HexOf(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::HexOf("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, SaveAndRestoreContinuesTheSameHash) {
  Sha256 h;
  h.Update("hello ");
  std::string state = h.SaveState();
  std::optional<Sha256> restored = Sha256::RestoreState(state);
  ASSERT_TRUE(restored.has_value());
  restored->Update("world");
  EXPECT_EQ(restored->FinishHex(), Sha256::HexOf("hello world"));
}

TEST(Sha256, RestoreRejectsForeignState) {
  EXPECT_FALSE(Sha256::RestoreState("").has_value());
  EXPECT_FALSE(Sha256::RestoreState(std::string(200, 'x')).has_value());
}

TEST(Sha256, FinishDoesNotDisturbState) {
  Sha256 h;
  h.Update("ab");
  (void)h.FinishHex();
  h.Update("c");
  EXPECT_EQ(h.FinishHex(), Sha256::HexOf("abc"));
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", "AKIA:secret/with+chars"}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)), s);
  }
  EXPECT_EQ(Base64Encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("ab!d").has_value());
}

TEST(Random, ProducesDistinctValuesOfTheRightShape) {
  std::string a = RandomHex(16), b = RandomHex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  std::string s = RandomString(40, "AB");
  EXPECT_EQ(s.find_first_not_of("AB"), std::string::npos);
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret1"));
}

}  // namespace
}  // namespace berth::crypto

#include "crypto/aead.h"

namespace berth::crypto {
namespace {

TEST(Aead, SealsAndOpensAndDetectsTampering) {
  std::string key = RandomBytes(kKeyBytes);
  std::string box = Seal(key, "secret", "access-key-id");
  EXPECT_EQ(Open(key, box, "access-key-id"), "secret");
  EXPECT_FALSE(Open(key, box, "other-id").has_value());
  EXPECT_FALSE(Open(RandomBytes(kKeyBytes), box, "access-key-id").has_value());
  box[14] ^= 1;
  EXPECT_FALSE(Open(key, box, "access-key-id").has_value());
  EXPECT_NE(Seal(key, "secret", ""), Seal(key, "secret", ""));  // fresh nonce each time
}

TEST(Hmac, MatchesRfc4231Case2) {
  EXPECT_EQ(Base64Encode(HmacSha256("Jefe", "what do ya want for nothing?")),
            Base64Encode(std::string("\x5b\xdc\xc1\x46\xbf\x60\x75\x4e\x6a\x04\x24\x26\x08\x95\x75\xc7"
                                     "\x5a\x00\x3f\x08\x9d\x27\x39\x83\x9d\xec\x58\xb9\x64\xec\x38\x43", 32)));
}

}  // namespace
}  // namespace berth::crypto
