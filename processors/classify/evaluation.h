#ifndef MINSHENG_PROCESSORS_CLASSIFY_EVALUATION_H_
#define MINSHENG_PROCESSORS_CLASSIFY_EVALUATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "processors/classify/text_classifier.h"

namespace minsheng::processors {

struct LabelMetrics {
  double precision = 0;  // of the examples predicted as this label, the share that had it
  double recall = 0;     // of the examples with this label, the share predicted as it
  double f1 = 0;
  int64_t support = 0;  // examples with this label
};

// How well predicted labels match gold labels. With a label pattern, only gold labels matching
// it count: accuracy over their examples, macro-F1 over them, per_label and confusion rows for
// them (a label's precision still counts every prediction of it, as in the full report).
struct Evaluation {
  std::string label_pattern;  // "" = all labels
  int64_t examples = 0;
  double accuracy = 0;
  double macro_f1 = 0;  // mean F1 over the gold labels present
  std::map<std::string, LabelMetrics> per_label;  // gold labels, and labels only predicted
  std::map<std::string, std::map<std::string, int64_t>> confusion;  // gold -> predicted -> n

  // {"examples", "label_pattern"?, "accuracy", "macro_f1",
  //  "per_label": {label: {"precision", "recall", "f1", "support"}},
  //  "confusion": {gold: {predicted: n}}}
  std::string ToJson() const;
  // A table per label, then the confusion: a matrix for a few labels, otherwise only the
  // non-zero off-diagonal cells, most frequent first.
  std::string ToText() const;
};

// Scores (gold, predicted) label pairs. `label_pattern` is an ECMAScript regular expression that
// must match a whole label, e.g. "[A-J][0-9]"; InvalidArgument when it does not compile or no
// example has a matching gold label.
absl::StatusOr<Evaluation> Score(const std::vector<std::pair<std::string, std::string>>& pairs,
                                 absl::string_view label_pattern = "");

// Scores the model's top label for each example.
absl::StatusOr<Evaluation> Evaluate(const TextClassifier& model,
                                    const std::vector<LabelledText>& examples,
                                    absl::string_view label_pattern = "");

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_CLASSIFY_EVALUATION_H_
