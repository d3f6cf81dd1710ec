#include "ingest/text_normalizer.h"

#include <opencc/opencc.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"

namespace minsheng::ingest {
namespace {

// CJK Extension A through the Unified Ideographs and the Compatibility Ideographs: where
// Traditional characters live.
constexpr uint32_t kFirstHan = 0x3400;
constexpr uint32_t kLastHan = 0xFAFF;

bool IsSpace(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
         cp == 0xA0 || cp == 0x3000;
}

}  // namespace

std::string FoldWidthAndSpace(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) < 0x80 && !IsSpace(static_cast<unsigned char>(c))) {
      if (pending_space) out += ' ';
      pending_space = false;
      out += c;  // plain ASCII, the common case, passes through
      ++i;
      continue;
    }
    const size_t start = i;
    uint32_t cp = NextCodePoint(text, &i);
    if (IsSpace(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    // Full-width digits and Latin letters (ＡＢＣ１２３) become ASCII; full-width punctuation is
    // how Chinese is written and stays, as does everything else, byte for byte.
    if ((cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
        (cp >= 0xFF41 && cp <= 0xFF5A)) {
      out += static_cast<char>(cp - 0xFEE0);
    } else {
      out.append(text.data() + start, i - start);
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<TextNormalizer>> TextNormalizer::Create(
    const std::string& opencc_config) {
  opencc_t opencc = opencc_open(opencc_config.c_str());
  if (opencc == reinterpret_cast<opencc_t>(-1)) {
    return absl::FailedPreconditionError(
        absl::StrCat("OpenCC cannot load ", opencc_config, ": ", opencc_error()));
  }
  std::unique_ptr<TextNormalizer> normalizer(new TextNormalizer(opencc));
  // Learn once which characters OpenCC would change (a few hundred ms at start).
  normalizer->converted_.assign(kLastHan - kFirstHan + 1, false);
  std::string one;
  for (uint32_t cp = kFirstHan; cp <= kLastHan; ++cp) {
    one.clear();
    AppendUtf8(cp, one);
    char* converted = opencc_convert_utf8(opencc, one.data(), one.size());
    if (converted == nullptr) continue;
    normalizer->converted_[cp - kFirstHan] = one != converted;
    opencc_convert_utf8_free(converted);
  }
  return normalizer;
}

bool TextNormalizer::NeedsConversion(absl::string_view text) const {
  for (size_t i = 0; i < text.size();) {
    const uint32_t cp = NextCodePoint(text, &i);
    if (cp >= kFirstHan && cp <= kLastHan && converted_[cp - kFirstHan]) return true;
  }
  return false;
}

TextNormalizer::~TextNormalizer() { opencc_close(static_cast<opencc_t>(opencc_)); }

std::string TextNormalizer::Normalize(absl::string_view text) const {
  std::string folded = FoldWidthAndSpace(text);
  if (!NeedsConversion(folded)) return folded;
  char* converted =
      opencc_convert_utf8(static_cast<opencc_t>(opencc_), folded.data(), folded.size());
  if (converted == nullptr) return folded;  // keep the text rather than lose it
  std::string result(converted);
  opencc_convert_utf8_free(converted);
  return result;
}

void TextNormalizer::NormalizeComplaint(v1::Complaint& complaint) const {
  std::string content = Normalize(complaint.content());
  if (content != complaint.content()) {
    complaint.set_content_original(complaint.content());
    complaint.set_content(std::move(content));
  }
  std::string title = Normalize(complaint.title());
  if (title != complaint.title()) {
    complaint.set_title_original(complaint.title());
    complaint.set_title(std::move(title));
  }
}

}  // namespace minsheng::ingest
