#include "processors/classify/evaluation.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace minsheng::processors {
namespace {

// Full confusion matrices up to this many labels; beyond, a list of the mistakes.
constexpr size_t kMatrixLabels = 10;

double Ratio(int64_t part, int64_t whole) { return whole == 0 ? 0 : double(part) / whole; }

}  // namespace

absl::StatusOr<Evaluation> Score(const std::vector<std::pair<std::string, std::string>>& pairs,
                                 absl::string_view label_pattern) {
  std::optional<std::regex> pattern;
  if (!label_pattern.empty()) {
    try {
      pattern.emplace(label_pattern.begin(), label_pattern.end());
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("label pattern ", label_pattern, ": ", e.what()));
    }
  }
  const auto counted = [&](const std::string& label) {
    return !pattern || std::regex_match(label, *pattern);
  };
  Evaluation result;
  result.label_pattern = std::string(label_pattern);
  std::map<std::string, int64_t> predicted_count, correct_count;
  int64_t correct = 0;
  for (const auto& [gold, predicted] : pairs) {
    ++predicted_count[predicted];
    if (gold == predicted) ++correct_count[gold];
    if (!counted(gold)) continue;
    ++result.examples;
    ++result.confusion[gold][predicted];
    ++result.per_label[gold].support;
    if (gold == predicted) ++correct;
  }
  if (result.examples == 0) {
    return absl::InvalidArgumentError(
        pattern ? absl::StrCat("no example has a label matching ", label_pattern)
                : "no examples");
  }
  for (const auto& [label, count] : predicted_count) {
    if (counted(label)) result.per_label[label];  // labels only predicted, support 0
  }
  double f1_sum = 0;
  int gold_labels = 0;
  for (auto& [label, m] : result.per_label) {
    m.precision = Ratio(correct_count[label], predicted_count[label]);
    m.recall = Ratio(correct_count[label], m.support);
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
    if (m.support > 0) f1_sum += m.f1, ++gold_labels;
  }
  result.accuracy = Ratio(correct, result.examples);
  result.macro_f1 = f1_sum / gold_labels;
  return result;
}

absl::StatusOr<Evaluation> Evaluate(const TextClassifier& model,
                                    const std::vector<LabelledText>& examples,
                                    absl::string_view label_pattern) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(examples.size());
  for (const LabelledText& example : examples) {
    pairs.emplace_back(example.label, model.Predict(example.title, example.text, 1)[0].label);
  }
  return Score(pairs, label_pattern);
}

std::string Evaluation::ToJson() const {
  nlohmann::json json = {{"examples", examples}, {"accuracy", accuracy}, {"macro_f1", macro_f1}};
  if (!label_pattern.empty()) json["label_pattern"] = label_pattern;
  json["per_label"] = nlohmann::json::object();
  for (const auto& [label, m] : per_label) {
    json["per_label"][label] = {{"precision", m.precision},
                                {"recall", m.recall},
                                {"f1", m.f1},
                                {"support", m.support}};
  }
  json["confusion"] = confusion;
  return json.dump(2) + "\n";
}

std::string Evaluation::ToText() const {
  int width = 5;  // "label"
  for (const auto& [label, m] : per_label) width = std::max(width, static_cast<int>(label.size()));
  std::string out = absl::StrFormat("examples %d%s\naccuracy %.4f\nmacro-F1 %.4f\n\n", examples,
                                    label_pattern.empty() ? "" : " (labels " + label_pattern + ")",
                                    accuracy, macro_f1);
  absl::StrAppendFormat(&out, "%-*s  precision  recall      f1  support\n", width, "label");
  for (const auto& [label, m] : per_label) {
    absl::StrAppendFormat(&out, "%-*s  %9.3f  %6.3f  %6.3f  %7d\n", width, label, m.precision,
                          m.recall, m.f1, m.support);
  }
  out += "\nconfusion (gold -> predicted)\n";
  if (per_label.size() <= kMatrixLabels) {
    absl::StrAppendFormat(&out, "%-*s", width, "");
    for (const auto& [label, m] : per_label) absl::StrAppendFormat(&out, "  %*s", width, label);
    out += "\n";
    for (const auto& [gold, row] : confusion) {
      absl::StrAppendFormat(&out, "%-*s", width, gold);
      for (const auto& [predicted, m] : per_label) {
        auto it = row.find(predicted);
        absl::StrAppendFormat(&out, "  %*d", width, it == row.end() ? 0 : it->second);
      }
      out += "\n";
    }
    return out;
  }
  std::vector<std::tuple<int64_t, std::string, std::string>> mistakes;
  for (const auto& [gold, row] : confusion) {
    for (const auto& [predicted, n] : row) {
      if (predicted != gold) mistakes.emplace_back(-n, gold, predicted);
    }
  }
  std::sort(mistakes.begin(), mistakes.end());
  if (mistakes.empty()) out += "  (no mistakes)\n";
  for (const auto& [minus_n, gold, predicted] : mistakes) {
    absl::StrAppendFormat(&out, "  %s -> %s: %d\n", gold, predicted, -minus_n);
  }
  return out;
}

}  // namespace minsheng::processors
