// base/word_bytes.h
//
// Tests on eight bytes at once, for scans of text in which nearly every byte passes (JSON
// escapes, response header values): a word is checked in a few instructions, not eight
// compares. Each answers exactly whether any byte of the word matches; which bit is set says
// nothing reliable about which byte, and no caller asks.
//
// Pure, header-only.
#pragma once

#include <cstdint>
#include <cstring>

namespace berth {

inline constexpr uint64_t kEachByte = 0x0101010101010101ULL;

// Eight bytes from `at`, in whatever order the machine keeps them (the tests below ignore it).
inline uint64_t LoadWord(const char* at) {
  uint64_t word;
  std::memcpy(&word, at, sizeof word);
  return word;
}

// Whether any byte of `word` is below `bound`. REQUIRES: bound <= 128.
inline bool AnyByteBelow(uint64_t word, uint8_t bound) {
  return ((word - kEachByte * bound) & ~word & (kEachByte * 0x80)) != 0;
}

// Whether any byte of `word` is `byte`.
inline bool AnyByteIs(uint64_t word, uint8_t byte) { return AnyByteBelow(word ^ (kEachByte * byte), 1); }

}  // namespace berth
