#ifndef MINSHENG_PROCESSORS_CLASSIFY_LABELLED_CORPUS_H_
#define MINSHENG_PROCESSORS_CLASSIFY_LABELLED_CORPUS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "processors/classify/text_classifier.h"

namespace minsheng::processors {

// Reads labelled complaints for training or evaluation: JSONL, one object per line with `text`
// (required, non-empty string), `title` (optional string) and `label` (required, non-empty
// string); other fields are ignored, blank lines skipped. NotFound when the file cannot be
// opened; InvalidArgument naming the path and the first bad line, e.g.
// "corpus.jsonl: line 17: label: missing", or saying the file holds no examples.
absl::StatusOr<std::vector<LabelledText>> ReadLabelledCorpus(const std::string& path);

// The same for JSONL text; errors name the line but no path.
absl::StatusOr<std::vector<LabelledText>> ParseLabelledCorpus(absl::string_view jsonl);

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_CLASSIFY_LABELLED_CORPUS_H_
