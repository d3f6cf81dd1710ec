#ifndef MINSHENG_INGEST_TEXT_NORMALIZER_H_
#define MINSHENG_INGEST_TEXT_NORMALIZER_H_

#include <memory>
#include <vector>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "minsheng/v1/complaint.pb.h"

namespace minsheng::ingest {

// Brings citizens' text to one form, so the same words compare equal whatever keyboard or
// region they came from: Traditional to Simplified Chinese (OpenCC t2s), full-width ASCII letters,
// digits and spaces to half-width (Chinese punctuation stays), runs of whitespace to one space.
// Not thread-safe: one per processing thread. OpenCC runs only on text that holds a character
// it would change, since most complaints are Simplified already and OpenCC costs about 140 us
// per complaint.
class TextNormalizer {
 public:
  // config: an OpenCC configuration file; the default is Debian's t2s.json.
  static absl::StatusOr<std::unique_ptr<TextNormalizer>> Create(
      const std::string& opencc_config = "/usr/share/opencc/t2s.json");
  ~TextNormalizer();

  std::string Normalize(absl::string_view text) const;
  // Normalizes title and content in place, keeping the originals beside them when they differ.
  void NormalizeComplaint(v1::Complaint& complaint) const;

 private:
  explicit TextNormalizer(void* opencc) : opencc_(opencc) {}
  bool NeedsConversion(absl::string_view text) const;

  void* opencc_;  // opencc_t
  // Code points in kFirstHan..kLastHan that OpenCC changes on their own.
  std::vector<bool> converted_;
};

// The full-width and whitespace part of Normalize alone.
std::string FoldWidthAndSpace(absl::string_view text);

}  // namespace minsheng::ingest

#endif  // MINSHENG_INGEST_TEXT_NORMALIZER_H_
