#ifndef MINSHENG_COMMON_UTF8_H_
#define MINSHENG_COMMON_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace minsheng {

// The code point at s[*i], advancing *i past it. A byte that does not start a valid UTF-8
// sequence (or a truncated, overlong or surrogate one, or one beyond U+10FFFF) yields U+FFFD and advances one byte, so
// malformed text never stops a scan.
char32_t NextCodePoint(absl::string_view s, size_t* i);

// Appends `cp` as UTF-8.
void AppendUtf8(char32_t cp, std::string& out);

}  // namespace minsheng

#endif  // MINSHENG_COMMON_UTF8_H_
