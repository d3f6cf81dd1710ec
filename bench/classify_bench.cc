// Classification throughput over real citizen messages: the shipped model
// (deploy/model/complaints.model), and the ComplaintClassifier (model + keywords of
// deploy/taxonomy.yaml) with it and without a model. With --train, also both TextClassifier
// algorithms trained here on the repository's labelled corpus (corpus/*.jsonl and
// corpus/message-board-labels.tsv joined with ../shared/data/messages.jsonl). Held-out accuracy
// and macro-F1 of both algorithms come from `scripts/train-default-model --compare`; see
// README.md.
//
//   build/bin/classify_bench [--train] [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "processors/classify/complaint_classifier.h"
#include "processors/classify/labelled_corpus.h"
#include "processors/classify/taxonomy.h"
#include "processors/classify/text_classifier.h"

namespace minsheng::processors {
namespace {

struct Message {
  std::string id, title, text;
};

std::vector<Message> ReadMessages(const std::string& path) {
  std::vector<Message> messages;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json m = nlohmann::json::parse(line, nullptr, false);
    if (m.is_object()) messages.push_back({m.value("id", ""), m.value("title", ""),
                                           m.value("text", "")});
  }
  return messages;
}

// The labelled corpus as scripts/train-default-model reads it (all of it: no held-out part).
std::vector<LabelledText> ReadCorpus(const std::string& source_dir,
                                     const std::vector<Message>& messages) {
  std::vector<LabelledText> examples;
  const std::filesystem::path corpus = std::filesystem::path(source_dir) / "corpus";
  if (!std::filesystem::is_directory(corpus)) return examples;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    auto read = ReadLabelledCorpus(file);
    if (!read.ok()) {
      std::fprintf(stderr, "skipping %s\n", std::string(read.status().message()).c_str());
      continue;
    }
    examples.insert(examples.end(), read->begin(), read->end());
  }
  std::map<std::string, const Message*> by_id;
  for (const Message& m : messages) by_id[m.id] = &m;
  std::ifstream labels(corpus / "message-board-labels.tsv");
  for (std::string line; std::getline(labels, line);) {
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 2 || fields[0] == "id" || by_id.count(fields[0]) == 0) continue;
    const Message& m = *by_id[fields[0]];
    examples.push_back({m.title, m.text, fields[1]});
  }
  return examples;
}

void BM_Predict(benchmark::State& state, const TextClassifier* model,
                const std::vector<Message>* messages) {
  size_t i = 0;
  for (auto _ : state) {
    const Message& m = (*messages)[i++ % messages->size()];
    benchmark::DoNotOptimize(model->Predict(m.title, m.text, 1));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["model_MB"] = model->SerializedSize() / 1e6;
}

void BM_Classify(benchmark::State& state, const ComplaintClassifier* classifier,
                 const Taxonomy* taxonomy, const std::vector<Message>* messages) {
  size_t i = 0;
  for (auto _ : state) {
    const Message& m = (*messages)[i++ % messages->size()];
    benchmark::DoNotOptimize(classifier->Classify(*taxonomy, m.title, m.text));
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace
}  // namespace minsheng::processors

int main(int argc, char** argv) {
  using namespace minsheng::processors;
  benchmark::Initialize(&argc, argv);
  const bool train = argc > 1 && std::string(argv[1]) == "--train";
  const std::string source_dir = MINSHENG_SOURCE_DIR;
  static const std::vector<Message> messages =
      ReadMessages(source_dir + "/../shared/data/messages.jsonl");
  if (messages.empty()) {
    std::fprintf(stderr, "classify_bench: no messages in %s/../shared/data/messages.jsonl\n",
                 source_dir.c_str());
    return 1;
  }
  auto taxonomy = Taxonomy::Load(source_dir + "/deploy/taxonomy.yaml");
  if (!taxonomy.ok()) {
    std::fprintf(stderr, "classify_bench: %s\n", std::string(taxonomy.status().message()).c_str());
    return 1;
  }
  static const Taxonomy shipped = *std::move(taxonomy);
  static const ComplaintClassifier keywords_only(nullptr);
  benchmark::RegisterBenchmark("Classify/keywords_only", BM_Classify, &keywords_only, &shipped,
                               &messages);

  static std::vector<std::shared_ptr<const TextClassifier>> models;
  static std::vector<std::unique_ptr<ComplaintClassifier>> classifiers;
  auto shipped_model = TextClassifier::Load(source_dir + "/deploy/model/complaints.model");
  if (!shipped_model.ok()) {
    std::fprintf(stderr, "classify_bench: %s\n",
                 std::string(shipped_model.status().message()).c_str());
    return 1;
  }
  models.push_back(*std::move(shipped_model));
  classifiers.push_back(std::make_unique<ComplaintClassifier>(models.back()));
  benchmark::RegisterBenchmark("Predict/shipped", BM_Predict, models.back().get(), &messages);
  benchmark::RegisterBenchmark("Classify/shipped", BM_Classify, classifiers.back().get(), &shipped,
                               &messages);

  const std::vector<LabelledText> corpus =
      train ? ReadCorpus(source_dir, messages) : std::vector<LabelledText>();
  if (train && corpus.empty()) {
    std::fprintf(stderr, "classify_bench: no labelled corpus under %s/corpus, skipping the model "
                 "benchmarks\n", source_dir.c_str());
  }
  for (auto algorithm : {TextClassifier::Algorithm::kLinear, TextClassifier::Algorithm::kFastText}) {
    if (corpus.empty()) break;
    TextClassifier::TrainOptions options;
    options.algorithm = algorithm;
    options.threads = algorithm == TextClassifier::Algorithm::kLinear ? 2 : 1;
    const absl::Time start = absl::Now();
    auto model = TextClassifier::Train(corpus, options);
    if (!model.ok()) {
      std::fprintf(stderr, "classify_bench: %s\n", std::string(model.status().message()).c_str());
      return 1;
    }
    const std::string name(TextClassifier::AlgorithmName(algorithm));
    std::fprintf(stderr, "trained %s on %zu examples in %.1f s, %.2f MB\n", name.c_str(),
                 corpus.size(), absl::ToDoubleSeconds(absl::Now() - start),
                 (*model)->SerializedSize() / 1e6);
    models.push_back(*std::move(model));
    classifiers.push_back(std::make_unique<ComplaintClassifier>(models.back()));
    benchmark::RegisterBenchmark(("Predict/" + name).c_str(), BM_Predict, models.back().get(),
                                 &messages);
    benchmark::RegisterBenchmark(("Classify/" + name).c_str(), BM_Classify,
                                 classifiers.back().get(), &shipped, &messages);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
