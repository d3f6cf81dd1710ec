#include "processors/classify/labelled_corpus.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace minsheng::processors {
namespace {

// The string field `name` of `object`: "" when absent and optional; errors say why.
absl::StatusOr<std::string> StringField(const nlohmann::json& object, const char* name,
                                        bool required) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return absl::InvalidArgumentError(absl::StrCat(name, ": missing"));
    return std::string();
  }
  if (!it->is_string()) return absl::InvalidArgumentError(absl::StrCat(name, ": not a string"));
  std::string value = it->get<std::string>();
  if (required && absl::StripAsciiWhitespace(value).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": empty"));
  }
  return value;
}

absl::StatusOr<LabelledText> ParseLine(absl::string_view line) {
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() says what and where (e.g. invalid UTF-8 of a corpus in GB18030).
    return absl::InvalidArgumentError(absl::StrCat("not JSON: ", e.what()));
  }
  if (!object.is_object()) return absl::InvalidArgumentError("not a JSON object");
  LabelledText example;
  for (auto [name, field, required] : {std::tuple{"text", &example.text, true},
                                       std::tuple{"title", &example.title, false},
                                       std::tuple{"label", &example.label, true}}) {
    auto value = StringField(object, name, required);
    if (!value.ok()) return value.status();
    *field = *std::move(value);
  }
  // "B1 " would train as a label of its own that no taxonomy code matches.
  if (absl::StripAsciiWhitespace(example.label) != example.label) {
    return absl::InvalidArgumentError("label: has leading or trailing whitespace");
  }
  return example;
}

}  // namespace

absl::StatusOr<std::vector<LabelledText>> ParseLabelledCorpus(absl::string_view jsonl) {
  std::vector<LabelledText> examples;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(jsonl, '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    auto example = ParseLine(line);
    if (!example.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": ", example.status().message()));
    }
    examples.push_back(*std::move(example));
  }
  if (examples.empty()) return absl::InvalidArgumentError("no examples");
  return examples;
}

absl::StatusOr<std::vector<LabelledText>> ReadLabelledCorpus(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream content;
  content << in.rdbuf();
  auto examples = ParseLabelledCorpus(content.str());
  if (!examples.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", examples.status().message()));
  }
  return examples;
}

}  // namespace minsheng::processors
