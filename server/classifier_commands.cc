#include "server/classifier_commands.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "processors/classify/complaint_classifier.h"
#include "processors/classify/evaluation.h"
#include "processors/classify/labelled_corpus.h"
#include "processors/classify/taxonomy.h"
#include "processors/classify/text_classifier.h"

namespace minsheng::server {
namespace {

using processors::TextClassifier;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// The defaults shown are TrainOptions' own.
std::string TrainUsage() {
  const TextClassifier::TrainOptions d;
  return absl::StrFormat(R"(usage: minsheng train --data FILE --out MODEL [flags]
  --data FILE           labelled complaints, JSONL: {"title": optional, "text", "label"} per line
  --out MODEL           where to write the model
  --algorithm NAME      linear (default) or fasttext
  --validation FILE     also report accuracy and macro-F1 on these held-out complaints
  --threads N           training threads (default %d); linear models do not depend on it,
                        fasttext ones do (use 1 to reproduce a model)
linear:
  --cost C              liblinear's C, higher fits the training data closer (default %g)
  --min-count N         n-grams in fewer complaints are not used (default %d)
  --min-weight W        weights whose product with the n-gram's idf is smaller are dropped
                        from the model (default %g)
fasttext:
  --epochs N            passes over the data (default %d)
  --learning-rate R     (default %g)
  --dim N               vector size (default %d)
  --buckets N           hash buckets for character 2/3-grams (default %d)
  --no-quantize         keep full-precision vectors (about 8x larger)
Exit status: 0 ok, 1 failure, 2 bad usage.
)",
                         d.threads, d.cost, d.min_count, d.min_weight, d.epochs, d.learning_rate,
                         d.dim, d.buckets);
}

constexpr char kEvalUsage[] = R"(usage: minsheng eval --model MODEL --data FILE [flags]
  --model MODEL         a model written by minsheng train
  --data FILE           labelled complaints, JSONL: {"title": optional, "text", "label"} per line
  --json                print the metrics as JSON (accuracy, macro_f1, per_label, confusion)
  --labels REGEX        only complaints whose label matches REGEX (the whole label), e.g.
                        '[A-J][0-9]' for the city-management categories
  --taxonomy FILE       file each complaint as minsheng serve does: the model together with
                        the keywords of this taxonomy (a complaint nothing applies to counts as
                        the label (none)); --model none: keywords alone
Exit status: 0 ok, 1 failure, 2 bad usage.
)";

// Files each example as the dispatcher does (model and keywords) and scores the categories.
absl::StatusOr<processors::Evaluation> EvaluateAsDeployed(
    const std::shared_ptr<const TextClassifier>& model, const std::string& taxonomy_path,
    const std::vector<processors::LabelledText>& examples, const std::string& labels) {
  auto taxonomy = processors::Taxonomy::Load(taxonomy_path);
  if (!taxonomy.ok()) return taxonomy.status();
  const processors::ComplaintClassifier classifier(model);
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(examples.size());
  for (const processors::LabelledText& example : examples) {
    std::string code = classifier.Classify(*taxonomy, example.title, example.text).category_code;
    pairs.emplace_back(example.label, code.empty() ? "(none)" : std::move(code));
  }
  return processors::Score(pairs, labels);
}

using FlagSetter = std::function<absl::Status(const std::string& flag, const std::string& value)>;

// Reads "--flag value" pairs and the value-less `switches` ("--flag"), handing each to `set`.
absl::Status ParseFlags(const std::vector<std::string>& args,
                        const std::set<std::string>& switches, const FlagSetter& set) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (switches.count(flag) > 0) {
      if (absl::Status s = set(flag, ""); !s.ok()) return s;
      continue;
    }
    if (flag.rfind("--", 0) != 0) return absl::InvalidArgumentError("unexpected " + flag);
    if (i + 1 >= args.size()) return absl::InvalidArgumentError(flag + ": missing value");
    if (absl::Status s = set(flag, args[++i]); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status UnknownFlag(const std::string& flag) {
  return absl::InvalidArgumentError("unknown flag " + flag);
}

template <typename Number>
absl::Status ParsePositive(const std::string& flag, const std::string& value, Number* out) {
  bool parsed;
  if constexpr (std::is_integral_v<Number>) {
    parsed = absl::SimpleAtoi(value, out);
  } else {
    parsed = absl::SimpleAtod(value, out);
  }
  // Not infinity either: liblinear never converges with C = inf.
  if (!parsed || !(*out > 0) || !std::isfinite(static_cast<double>(*out))) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": expected a positive number, got ",
                                                   value));
  }
  return absl::OkStatus();
}

bool WantsHelp(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") return true;
  }
  return false;
}

int UsageError(const char* command, const absl::Status& status, const std::string& usage) {
  std::fprintf(stderr, "minsheng %s: %s\n\n%s", command, std::string(status.message()).c_str(),
               usage.c_str());
  return kExitUsage;
}

int Failure(const char* command, const absl::Status& status) {
  std::fprintf(stderr, "minsheng %s: %s\n", command, std::string(status.message()).c_str());
  return kExitFailure;
}

}  // namespace

int RunTrain(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::fputs(TrainUsage().c_str(), stdout);
    return kExitOk;
  }
  std::string data, out, validation;
  TextClassifier::TrainOptions options;
  absl::Status parsed = ParseFlags(
      args, {"--no-quantize"}, [&](const std::string& flag, const std::string& value) {
        if (flag == "--data") {
          data = value;
        } else if (flag == "--out") {
          out = value;
        } else if (flag == "--validation") {
          validation = value;
        } else if (flag == "--algorithm") {
          auto algorithm = TextClassifier::ParseAlgorithm(value);
          if (!algorithm.ok()) return algorithm.status();
          options.algorithm = *algorithm;
        } else if (flag == "--threads") {
          return ParsePositive(flag, value, &options.threads);
        } else if (flag == "--cost") {
          return ParsePositive(flag, value, &options.cost);
        } else if (flag == "--min-count") {
          return ParsePositive(flag, value, &options.min_count);
        } else if (flag == "--min-weight") {
          return ParsePositive(flag, value, &options.min_weight);
        } else if (flag == "--epochs") {
          return ParsePositive(flag, value, &options.epochs);
        } else if (flag == "--learning-rate") {
          return ParsePositive(flag, value, &options.learning_rate);
        } else if (flag == "--dim") {
          return ParsePositive(flag, value, &options.dim);
        } else if (flag == "--buckets") {
          return ParsePositive(flag, value, &options.buckets);
        } else if (flag == "--no-quantize") {
          options.quantize = false;
        } else {
          return UnknownFlag(flag);
        }
        return absl::OkStatus();
      });
  if (parsed.ok() && data.empty()) parsed = absl::InvalidArgumentError("--data: missing");
  if (parsed.ok() && out.empty()) parsed = absl::InvalidArgumentError("--out: missing");
  if (!parsed.ok()) return UsageError("train", parsed, TrainUsage());

  auto examples = processors::ReadLabelledCorpus(data);
  if (!examples.ok()) return Failure("train", examples.status());
  std::vector<processors::LabelledText> held_out;
  if (!validation.empty()) {
    auto read = processors::ReadLabelledCorpus(validation);
    if (!read.ok()) return Failure("train", read.status());
    held_out = *std::move(read);
  }
  const absl::Time start = absl::Now();
  auto model = TextClassifier::Train(*examples, options);
  if (!model.ok()) return Failure("train", model.status());
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (absl::Status s = (*model)->Save(out); !s.ok()) return Failure("train", s);
  std::printf("minsheng train: %s model, %zu examples, %zu labels, trained in %.1f s\n",
              std::string(TextClassifier::AlgorithmName(options.algorithm)).c_str(),
              examples->size(), (*model)->labels().size(), seconds);
  std::printf("  wrote %s (%.2f MB)\n", out.c_str(), (*model)->SerializedSize() / 1e6);
  if (!held_out.empty()) {
    auto evaluation = processors::Evaluate(**model, held_out);
    if (!evaluation.ok()) return Failure("train", evaluation.status());
    std::printf("  validation: %lld examples, accuracy %.4f, macro-F1 %.4f\n",
                static_cast<long long>(evaluation->examples), evaluation->accuracy,
                evaluation->macro_f1);
  }
  return kExitOk;
}

int RunEval(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::fputs(kEvalUsage, stdout);
    return kExitOk;
  }
  std::string model_path, data, labels, taxonomy;
  bool json = false;
  absl::Status parsed =
      ParseFlags(args, {"--json"}, [&](const std::string& flag, const std::string& value) {
        if (flag == "--model") {
          model_path = value;
        } else if (flag == "--data") {
          data = value;
        } else if (flag == "--labels") {
          labels = value;
        } else if (flag == "--taxonomy") {
          taxonomy = value;
        } else if (flag == "--json") {
          json = true;
        } else {
          return UnknownFlag(flag);
        }
        return absl::OkStatus();
      });
  if (parsed.ok() && model_path.empty()) parsed = absl::InvalidArgumentError("--model: missing");
  if (parsed.ok() && data.empty()) parsed = absl::InvalidArgumentError("--data: missing");
  if (!parsed.ok()) return UsageError("eval", parsed, kEvalUsage);

  if (parsed.ok() && model_path == "none" && taxonomy.empty()) {
    parsed = absl::InvalidArgumentError("--model none needs --taxonomy (keywords alone)");
  }
  if (!parsed.ok()) return UsageError("eval", parsed, kEvalUsage);

  std::shared_ptr<const TextClassifier> model;
  if (model_path != "none") {
    auto loaded = TextClassifier::Load(model_path);
    if (!loaded.ok()) return Failure("eval", loaded.status());
    model = *std::move(loaded);
  }
  auto examples = processors::ReadLabelledCorpus(data);
  if (!examples.ok()) return Failure("eval", examples.status());
  auto evaluation = taxonomy.empty() ? processors::Evaluate(*model, *examples, labels)
                                     : EvaluateAsDeployed(model, taxonomy, *examples, labels);
  if (!evaluation.ok()) return Failure("eval", evaluation.status());
  const std::string report = json ? evaluation->ToJson() : evaluation->ToText();
  std::fputs(report.c_str(), stdout);
  return kExitOk;
}

}  // namespace minsheng::server
