#ifndef MINSHENG_INGEST_UTF8_H_
#define MINSHENG_INGEST_UTF8_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace minsheng::ingest {

// Returns the byte offset of the first byte that is not well-formed UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF included), or nullopt when all of text is valid.
std::optional<size_t> FindInvalidUtf8(absl::string_view text);

}  // namespace minsheng::ingest

#endif  // MINSHENG_INGEST_UTF8_H_
