#include "processors/classify/complaint_classifier.h"

#include <string.h>

#include <algorithm>
#include <bitset>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

namespace minsheng::processors {
namespace {

constexpr double kKeywordWeight = 0.5;

// Which 4-byte sequences occur in a text, as a Bloom-style bit set: a keyword of 4 or more bytes
// can only occur when all of its 4-byte windows are set. Testing ~1,000 keywords this way costs a
// few microseconds; searching the text for each would cost about a millisecond.
class ByteWindows {
 public:
  void Add(absl::string_view text) {
    for (size_t i = 0; i + 4 <= text.size(); ++i) seen_.set(Slot(text.data() + i));
  }
  bool MayContain(absl::string_view keyword) const {
    for (size_t i = 0; i + 4 <= keyword.size(); ++i) {
      if (!seen_.test(Slot(keyword.data() + i))) return false;
    }
    return true;
  }

 private:
  static constexpr int kBits = 16;
  static size_t Slot(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof(v));
    return (v * 2654435761u) >> (32 - kBits);
  }
  std::bitset<size_t{1} << kBits> seen_;
};

// Whether title or text contains `keyword`. glibc's memmem skips ahead by a table of the
// needle; a first-byte scan (std::string_view::find) would stop at nearly every Chinese
// character, since most of them start with one of a few UTF-8 lead bytes.
bool Mentions(absl::string_view title, absl::string_view text, absl::string_view keyword) {
  for (absl::string_view part : {text, title}) {
    if (memmem(part.data(), part.size(), keyword.data(), keyword.size()) != nullptr) return true;
  }
  return false;
}

}  // namespace

ComplaintClassifier::ComplaintClassifier(std::shared_ptr<const TextClassifier> model)
    : model_(std::move(model)) {}

Classification ComplaintClassifier::Classify(const Taxonomy& taxonomy, absl::string_view title,
                                             absl::string_view text) const {
  const std::vector<Category>& categories = taxonomy.categories();
  Classification result;

  // Model evidence, per category position.
  std::vector<double> model_probability(categories.size(), 0.0);
  bool has_model_evidence = false;
  if (model_ != nullptr) {
    const std::vector<double> probabilities = model_->Probabilities(title, text);
    const std::vector<std::string>& labels = model_->labels();
    const size_t top = std::max_element(probabilities.begin(), probabilities.end()) -
                       probabilities.begin();
    result.model_label = labels[top];
    result.model_score = probabilities[top];
    double known = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (const Category* c = taxonomy.Find(labels[i]); c != nullptr) {
        model_probability[c - categories.data()] = probabilities[i];
        known += probabilities[i];
      }
    }
    if (known > 0) {
      has_model_evidence = true;
      for (double& p : model_probability) p /= known;
    }
  }

  // Keyword evidence.
  ByteWindows windows;
  windows.Add(title);
  windows.Add(text);
  std::vector<double> keyword_evidence(categories.size(), 0.0);
  std::vector<std::pair<size_t, const std::string*>> found;  // (category position, keyword)
  double total = 1;
  for (size_t i = 0; i < categories.size(); ++i) {
    int hits = 0;
    for (const std::string& keyword : categories[i].keywords) {
      if (windows.MayContain(keyword) && Mentions(title, text, keyword)) {
        ++hits;
        found.emplace_back(i, &keyword);
      }
    }
    if (hits > 0) {
      keyword_evidence[i] = kKeywordWeight * (1 - std::pow(0.5, hits));
      total += keyword_evidence[i];
    }
  }

  int best = -1;
  double best_score = 0;
  for (size_t i = 0; i < categories.size(); ++i) {
    const double score = model_probability[i] + keyword_evidence[i];
    if (score > best_score) best = static_cast<int>(i), best_score = score;
  }
  if (best < 0) return result;
  const Category& chosen = categories[best];
  result.category_code = chosen.code;
  result.confidence = best_score / total;
  for (const auto& [position, keyword] : found) {
    if (position == static_cast<size_t>(best)) result.keywords.push_back(*keyword);
  }
  if (!has_model_evidence) {
    result.method = "keywords";
  } else {
    result.method = result.keywords.empty() ? "model" : "model+keywords";
  }
  return result;
}

}  // namespace minsheng::processors
