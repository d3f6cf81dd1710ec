#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace minsheng {
namespace {

std::vector<char32_t> Decode(absl::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) out.push_back(NextCodePoint(s, &i));
  return out;
}

TEST(Utf8Test, DecodesOneToFourByteSequences) {
  EXPECT_EQ(Decode("a\xC3\xA9\xE5\x9E\x83\xF0\x9F\x98\x80"),
            (std::vector<char32_t>{U'a', U'é', U'垃', 0x1F600}));
}

TEST(Utf8Test, MalformedBytesBecomeReplacementCharactersOneByteAtATime) {
  // A stray continuation byte, a lead byte cut short by the end, a lead byte followed by ASCII,
  // and a four-byte sequence beyond U+10FFFF: each bad byte is one U+FFFD, and decoding goes on.
  EXPECT_EQ(Decode("\x80"
                   "a"),
            (std::vector<char32_t>{0xFFFD, U'a'}));
  EXPECT_EQ(Decode("a\xE5\x9E"), (std::vector<char32_t>{U'a', 0xFFFD, 0xFFFD}));
  EXPECT_EQ(Decode("\xE5"
                   "ab"),
            (std::vector<char32_t>{0xFFFD, U'a', U'b'}));
  EXPECT_EQ(Decode("\xF4\x90\x80\x80"), (std::vector<char32_t>(4, 0xFFFD)));
  EXPECT_EQ(Decode("\xFF"), (std::vector<char32_t>{0xFFFD}));
  // Overlong forms and surrogates are not UTF-8: "C0 AF" must not read as '/'.
  EXPECT_EQ(Decode("\xC0\xAF"), (std::vector<char32_t>(2, 0xFFFD)));
  EXPECT_EQ(Decode("\xE0\x80\x80"), (std::vector<char32_t>(3, 0xFFFD)));
  EXPECT_EQ(Decode("\xED\xA0\x80"), (std::vector<char32_t>(3, 0xFFFD)));
}

TEST(Utf8Test, AppendEncodesWhatNextCodePointDecodes) {
  std::string out;
  for (char32_t cp : {U'a', U'é', U'垃', char32_t{0x1F600}, char32_t{0x10FFFF}}) {
    AppendUtf8(cp, out);
  }
  EXPECT_EQ(Decode(out), (std::vector<char32_t>{U'a', U'é', U'垃', 0x1F600, 0x10FFFF}));
}

}  // namespace
}  // namespace minsheng
