#ifndef MINSHENG_PROCESSORS_CLASSIFY_COMPLAINT_CLASSIFIER_H_
#define MINSHENG_PROCESSORS_CLASSIFY_COMPLAINT_CLASSIFIER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "processors/classify/taxonomy.h"
#include "processors/classify/text_classifier.h"

namespace minsheng::processors {

struct Classification {
  std::string category_code;  // "" when nothing applies
  double confidence = 0;      // 0..1, what triage compares with its threshold
  std::string model_label;    // the model's own top answer (any label it knows), "" without one
  double model_score = 0;
  std::vector<std::string> keywords;  // keywords of the chosen category found in the complaint
  std::string method;                 // "model", "model+keywords", "keywords" or ""
};

// Files a complaint under a category of the taxonomy, combining the trained model with the
// categories' keywords:
//   - The model's probabilities over the labels the taxonomy knows, renormalised to sum to 1
//     (labels the taxonomy does not know are ignored). Without a model, or when it knows none
//     of the taxonomy's categories, that unit of probability stays with "no category".
//   - Each category with h distinct keywords found in title or text gets keyword evidence
//     0.5 x (1 - 0.5^h): 0.25 for one keyword, 0.375 for two, never more than 0.5.
//   - A category's confidence is (model probability + keyword evidence) / (1 + all keyword
//     evidence); the most confident category wins.
// So keywords agreeing with the model raise its confidence, keywords pointing elsewhere lower it
// (and can tip a close call), and keywords alone give a modest confidence (0.2 for one keyword)
// that triage should treat as a suggestion.
// Thread-safe; keyword matching needs no per-taxonomy state, so a reloaded taxonomy simply
// takes effect with the next call.
class ComplaintClassifier {
 public:
  // `model` may be null: keywords only.
  explicit ComplaintClassifier(std::shared_ptr<const TextClassifier> model);

  Classification Classify(const Taxonomy& taxonomy, absl::string_view title,
                          absl::string_view text) const;

 private:
  std::shared_ptr<const TextClassifier> model_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_CLASSIFY_COMPLAINT_CLASSIFIER_H_
