#ifndef MINSHENG_PROCESSORS_CLASSIFY_TEXT_CLASSIFIER_H_
#define MINSHENG_PROCESSORS_CLASSIFY_TEXT_CLASSIFIER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace minsheng::processors {

// One complaint with the category a person filed it under. Labels are any non-empty strings
// (each city uses its own).
struct LabelledText {
  std::string title;  // may be empty
  std::string text;
  std::string label;
};

struct Prediction {
  std::string label;
  double probability = 0;
};

// A trained text classifier for complaints. Both algorithms read the same units: Unicode code
// points of title and text with whitespace, punctuation and symbols dropped (full-width ASCII
// folded, Latin letters lower-cased, digits all read as 0), so character n-grams stand in for
// Chinese words without a segmenter.
//   kLinear    TF-IDF character 1..3-grams (title n-grams also as features of their own),
//              L2-normalised, one-vs-rest L2-regularised logistic regression (liblinear), each
//              label's examples weighted as much as all others. Stored sparsely: only n-grams
//              of at least min_count training examples, only weights that matter (see
//              min_weight), as bfloat16.
//   kFastText  fastText (softmax) over the characters as words with wordNgrams 3, i.e. character
//              2- and 3-grams hashed into `buckets`; product-quantised so the file stays small.
// Immutable once trained or loaded; Predict is const and safe to call from many threads
// (fastText's predict keeps its scratch state per call).
class TextClassifier {
 public:
  enum class Algorithm { kLinear, kFastText };

  struct TrainOptions {
    Algorithm algorithm = Algorithm::kLinear;
    // Threads for training. Linear: classes are trained in parallel, the model is the same for
    // any number. fastText: more than 1 is faster but no longer reproducible.
    int threads = 1;
    // Linear: liblinear's C (higher fits the training data more closely); the number of
    // training examples an n-gram must occur in to become a feature; the smallest weight x idf
    // kept (a bound on what the feature adds to a decision value). The last two keep the model
    // small and fast.
    double cost = 30;
    int min_count = 5;
    double min_weight = 2.0;
    // fastText: passes over the data, learning rate, vector size, hash buckets for the
    // character 2/3-grams, and whether to product-quantise (about 8x smaller).
    int epochs = 50;
    double learning_rate = 0.5;
    int dim = 32;
    int buckets = 100000;
    bool quantize = true;
  };

  // Trains on `examples` (at least two distinct labels). InvalidArgument for unusable input or
  // options.
  static absl::StatusOr<std::unique_ptr<TextClassifier>> Train(
      const std::vector<LabelledText>& examples, const TrainOptions& options);
  // Reads a file written by Save. NotFound when it cannot be opened; InvalidArgument naming the
  // path when it is not a complete, intact model file.
  static absl::StatusOr<std::unique_ptr<TextClassifier>> Load(const std::string& path);
  // Writes the model (atomically: a temporary file renamed over `path`).
  absl::Status Save(const std::string& path) const;

  // The probability of each label, in the order of labels(); they sum to 1. Cheaper than
  // Predict when every label is wanted.
  std::vector<double> Probabilities(absl::string_view title, absl::string_view text) const;
  // The `top_k` most probable labels, best first (all labels when top_k <= 0). Probabilities
  // over all labels sum to 1.
  std::vector<Prediction> Predict(absl::string_view title, absl::string_view text,
                                  int top_k) const;

  // Sorted.
  const std::vector<std::string>& labels() const { return labels_; }
  Algorithm algorithm() const { return algorithm_; }
  // Bytes of the model as Save writes it.
  size_t SerializedSize() const;

  // "linear" / "fasttext", and back.
  static absl::string_view AlgorithmName(Algorithm algorithm);
  static absl::StatusOr<Algorithm> ParseAlgorithm(absl::string_view name);

  class Backend;  // one per algorithm, in the .cc
  ~TextClassifier();

 private:
  TextClassifier(Algorithm algorithm, std::vector<std::string> labels,
                 std::unique_ptr<const Backend> backend);
  std::string Serialize() const;

  Algorithm algorithm_;
  std::vector<std::string> labels_;
  std::unique_ptr<const Backend> backend_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_CLASSIFY_TEXT_CLASSIFIER_H_
