#include "processors/classify/text_classifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "processors/classify/complaint_classifier.h"
#include "processors/classify/evaluation.h"
#include "processors/classify/labelled_corpus.h"
#include "processors/classify/taxonomy.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::processors {
namespace {

using Algorithm = TextClassifier::Algorithm;

// A toy corpus: each label has its own wording, mixed with shared filler. "路灯 不亮" checks
// that labels are any strings (fastText's own labels cannot hold spaces).
struct Topic {
  std::string label;
  std::vector<std::string> phrases;
};
const std::vector<Topic> kTopics = {
    {"A1", {"有人在路边摆摊", "流动摊贩占道经营", "小贩把摊位摆到人行道上", "夜市摊点占用马路"}},
    {"B1", {"垃圾堆了好几天没人清运", "垃圾桶满了臭味很大", "生活垃圾到处乱扔", "垃圾站苍蝇乱飞"}},
    {"J1", {"工地半夜施工噪音扰民", "晚上十二点还在打桩太吵", "广场舞音响声音太大", "装修电钻声吵得睡不着"}},
    {"路灯 不亮", {"路灯坏了晚上一片漆黑", "小区路灯不亮很危险", "路灯一直闪烁", "整条街的路灯都灭了"}},
};
const std::vector<std::string> kPlaces = {"长征街道", "铁路广场", "幸福小区", "人民路", "东门菜市场",
                                          "南湖公园", "学校门口", "三号楼"};
const std::vector<std::string> kTails = {"请尽快处理", "希望有关部门管一管", "已经反映多次",
                                         "严重影响生活", "谢谢"};

std::vector<LabelledText> ToyCorpus() {
  std::vector<LabelledText> examples;
  uint32_t state = 12345;
  auto next = [&](size_t n) {
    state = state * 1103515245u + 12345u;
    return (state >> 16) % n;
  };
  for (const Topic& topic : kTopics) {
    for (int i = 0; i < 40; ++i) {
      const std::string& phrase = topic.phrases[next(topic.phrases.size())];
      const std::string& other = topic.phrases[next(topic.phrases.size())];
      examples.push_back({.title = i % 3 == 0 ? "" : phrase.substr(0, 12),
                          .text = absl::StrCat(kPlaces[next(kPlaces.size())], phrase, "，",
                                               other, "。", kTails[next(kTails.size())], "！"),
                          .label = topic.label});
    }
  }
  return examples;
}

// Unseen complaints in the toy topics' words.
const std::vector<std::pair<LabelledText, std::string>> kProbes = {
    {{.title = "", .text = "菜市场门口又有人摆摊，占道经营"}, "A1"},
    {{.title = "垃圾没人清运", .text = "楼下的垃圾桶臭味熏天"}, "B1"},
    {{.title = "", .text = "半夜还在施工，噪音太吵了"}, "J1"},
    {{.title = "路灯", .text = "门口的路灯不亮了，一片漆黑"}, "路灯 不亮"},
};

TextClassifier::TrainOptions Options(Algorithm algorithm) {
  TextClassifier::TrainOptions options;
  options.algorithm = algorithm;
  options.min_count = 1;
  options.buckets = 4000;  // quantisation time grows with the buckets
  return options;
}

double Sum(const std::vector<Prediction>& predictions) {
  double sum = 0;
  for (const Prediction& p : predictions) sum += p.probability;
  return sum;
}

class TextClassifierTest : public ::testing::TestWithParam<Algorithm> {
 protected:
  static void SetUpTestSuite() {
    for (Algorithm algorithm : {Algorithm::kLinear, Algorithm::kFastText}) {
      auto model = TextClassifier::Train(ToyCorpus(), Options(algorithm));
      ASSERT_TRUE(model.ok()) << model.status();
      models_[algorithm] = *std::move(model);
    }
  }
  static void TearDownTestSuite() { models_.clear(); }
  const TextClassifier& model() { return *models_.at(GetParam()); }

  static std::map<Algorithm, std::shared_ptr<const TextClassifier>> models_;
  testing::TempDir dir_;
};
std::map<Algorithm, std::shared_ptr<const TextClassifier>> TextClassifierTest::models_;

TEST_P(TextClassifierTest, PredictsTheRightLabelsWithProbabilitiesSummingToOne) {
  EXPECT_EQ(model().algorithm(), GetParam());
  EXPECT_EQ(model().labels(), (std::vector<std::string>{"A1", "B1", "J1", "路灯 不亮"}));
  for (const auto& [probe, label] : kProbes) {
    const std::vector<Prediction> all = model().Predict(probe.title, probe.text, 0);
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].label, label) << probe.text;
    EXPECT_GT(all[0].probability, 0.5) << probe.text;
    EXPECT_NEAR(Sum(all), 1.0, 1e-6);
    for (size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i - 1].probability, all[i].probability);
    const std::vector<Prediction> top2 = model().Predict(probe.title, probe.text, 2);
    ASSERT_EQ(top2.size(), 2u);
    EXPECT_EQ(top2[0].label, all[0].label);
    EXPECT_EQ(top2[1].label, all[1].label);
  }
  // Anything, even nothing, gets a distribution over all labels.
  EXPECT_NEAR(Sum(model().Predict("", "", 0)), 1.0, 1e-6);
}

TEST_P(TextClassifierTest, IgnoresWhitespacePunctuationAndWidth) {
  const auto plain = model().Predict("", "楼下垃圾没人清运abc123", 0);
  const auto noisy = model().Predict("", " 楼下，垃圾\n没人 清运！！ＡＢＣ４５６😀", 0);
  ASSERT_EQ(plain.size(), noisy.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(plain[i].label, noisy[i].label);
    EXPECT_DOUBLE_EQ(plain[i].probability, noisy[i].probability);
  }
}

TEST_P(TextClassifierTest, SaveAndLoadGiveIdenticalPredictions) {
  const std::string path = dir_.path() + "/model";
  ASSERT_TRUE(model().Save(path).ok());
  EXPECT_EQ(std::filesystem::file_size(path), model().SerializedSize());
  auto loaded = TextClassifier::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->algorithm(), GetParam());
  EXPECT_EQ((*loaded)->labels(), model().labels());
  for (const LabelledText& example : ToyCorpus()) {
    const auto before = model().Predict(example.title, example.text, 0);
    const auto after = (*loaded)->Predict(example.title, example.text, 0);
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) {
      EXPECT_EQ(before[i].label, after[i].label);
      EXPECT_EQ(before[i].probability, after[i].probability);
    }
  }
}

TEST_P(TextClassifierTest, ConcurrentPredictionsEqualSequentialOnes) {
  const std::vector<LabelledText> corpus = ToyCorpus();
  std::vector<std::vector<Prediction>> expected;
  for (const LabelledText& example : corpus) {
    expected.push_back(model().Predict(example.title, example.text, 0));
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (size_t i = 0; i < corpus.size(); ++i) {
          const auto got = model().Predict(corpus[i].title, corpus[i].text, 0);
          for (size_t k = 0; k < got.size(); ++k) {
            if (got[k].label != expected[i][k].label ||
                got[k].probability != expected[i][k].probability) {
              ++mismatches[t];
            }
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST_P(TextClassifierTest, DamagedFilesAreRejectedNamingThePath) {
  const std::string path = dir_.path() + "/model";
  ASSERT_TRUE(model().Save(path).ok());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto rejected = [&](const std::string& content) {
    const std::string damaged = dir_.path() + "/damaged";
    std::ofstream(damaged, std::ios::binary | std::ios::trunc) << content;
    auto loaded = TextClassifier::Load(damaged);
    return !loaded.ok() && loaded.status().code() == absl::StatusCode::kInvalidArgument &&
           absl::StrContains(loaded.status().message(), damaged);
  };
  EXPECT_TRUE(rejected(""));
  EXPECT_TRUE(rejected("not a model at all"));
  for (size_t length : {size_t{8}, size_t{12}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_TRUE(rejected(bytes.substr(0, length))) << "truncated to " << length;
  }
  for (size_t at : {size_t{3}, size_t{10}, size_t{17}, bytes.size() / 3, bytes.size() - 2}) {
    std::string flipped = bytes;
    flipped[at] ^= 0x40;
    EXPECT_TRUE(rejected(flipped)) << "byte " << at << " changed";
  }
  EXPECT_TRUE(rejected(bytes + "x"));
  EXPECT_EQ(TextClassifier::Load(dir_.path() + "/missing").status().code(),
            absl::StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(BothAlgorithms, TextClassifierTest,
                         ::testing::Values(Algorithm::kLinear, Algorithm::kFastText),
                         [](const auto& info) {
                           return std::string(TextClassifier::AlgorithmName(info.param));
                         });

TEST(TextClassifierTrainTest, RefusesUnusableInput) {
  EXPECT_EQ(TextClassifier::Train({}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<LabelledText> one_label = {{.text = "垃圾", .label = "B1"},
                                               {.text = "垃圾桶", .label = "B1"}};
  EXPECT_EQ(TextClassifier::Train(one_label, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  TextClassifier::TrainOptions bad_cost;
  bad_cost.cost = 0;
  EXPECT_EQ(TextClassifier::Train(ToyCorpus(), bad_cost).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(TextClassifier::ParseAlgorithm("svm").ok());
  EXPECT_EQ(*TextClassifier::ParseAlgorithm("fasttext"), Algorithm::kFastText);
}

TEST(TextClassifierTrainTest, LinearModelDoesNotDependOnTheThreadCount) {
  TextClassifier::TrainOptions one = Options(Algorithm::kLinear), three = one;
  three.threads = 3;
  auto a = TextClassifier::Train(ToyCorpus(), one);
  auto b = TextClassifier::Train(ToyCorpus(), three);
  ASSERT_TRUE(a.ok() && b.ok());
  testing::TempDir dir;
  ASSERT_TRUE((*a)->Save(dir.path() + "/a").ok());
  ASSERT_TRUE((*b)->Save(dir.path() + "/b").ok());
  std::ifstream fa(dir.path() + "/a", std::ios::binary), fb(dir.path() + "/b", std::ios::binary);
  EXPECT_TRUE(std::equal(std::istreambuf_iterator<char>(fa), {},
                         std::istreambuf_iterator<char>(fb), {}));
}

// ---------------------------------------------------------------------------------------------
// Labelled corpus.

TEST(LabelledCorpusTest, ReadsTitleTextAndLabel) {
  auto corpus = ParseLabelledCorpus(
      "{\"title\": \"垃圾\", \"text\": \"没人清运\", \"label\": \"B1\", \"id\": 7}\n"
      "\n"
      "{\"text\": \"路边摆摊\", \"label\": \"A1\"}\n");
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  ASSERT_EQ(corpus->size(), 2u);
  EXPECT_EQ((*corpus)[0].title, "垃圾");
  EXPECT_EQ((*corpus)[0].text, "没人清运");
  EXPECT_EQ((*corpus)[0].label, "B1");
  EXPECT_EQ((*corpus)[1].title, "");
  EXPECT_EQ((*corpus)[1].label, "A1");
}

TEST(LabelledCorpusTest, ErrorsNameTheLineAndField) {
  const std::string good = "{\"text\": \"a\", \"label\": \"B1\"}\n";
  const std::map<std::string, std::string> cases = {
      {good + "{\"text\": \"b\"}\n", "line 2: label: missing"},
      {good + good + "{\"label\": \"B1\"}\n", "line 3: text: missing"},
      {"{\"text\": 5, \"label\": \"B1\"}", "line 1: text: not a string"},
      {good + "{\"text\": \"b\", \"label\": \"  \"}", "line 2: label: empty"},
      {"{\"text\": \"b\", \"title\": [1], \"label\": \"B1\"}", "line 1: title: not a string"},
      {good + "{\"text\": \"b\", \"label\": \"B1 \"}",
       "line 2: label: has leading or trailing whitespace"},
      {"[1, 2]\n", "line 1: not a JSON object"},
      {"\n\n", "no examples"},
  };
  for (const auto& [jsonl, error] : cases) {
    auto corpus = ParseLabelledCorpus(jsonl);
    ASSERT_FALSE(corpus.ok()) << jsonl;
    EXPECT_EQ(corpus.status().message(), error);
  }
  // Malformed JSON: the parser's reason, e.g. a corpus saved in GB18030 rather than UTF-8.
  for (const std::string& jsonl : {good + "{not json\n", good + "{\"text\": \"\xB2\xE2\"}\n"}) {
    auto corpus = ParseLabelledCorpus(jsonl);
    ASSERT_FALSE(corpus.ok()) << jsonl;
    EXPECT_TRUE(absl::StartsWith(corpus.status().message(), "line 2: not JSON: "))
        << corpus.status();
  }
  testing::TempDir dir;
  const std::string empty = dir.path() + "/empty.jsonl";
  std::ofstream(empty).close();
  EXPECT_EQ(ReadLabelledCorpus(empty).status().message(), empty + ": no examples");
  EXPECT_EQ(ReadLabelledCorpus(dir.path() + "/missing.jsonl").status().code(),
            absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

// gold -> predicted: a a, a a, a b, b b, b a, c c, c b.
//   a: predicted 3 times, 2 right: P 2/3, R 2/3, F1 2/3
//   b: predicted 3 times, 1 right: P 1/3, R 1/2, F1 0.4
//   c: predicted once, right:      P 1,   R 1/2, F1 2/3
const std::vector<std::pair<std::string, std::string>> kPairs = {
    {"a", "a"}, {"a", "a"}, {"a", "b"}, {"b", "b"}, {"b", "a"}, {"c", "c"}, {"c", "b"}};

TEST(EvaluationTest, MatchesAHandComputedCase) {
  auto e = Score(kPairs);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->examples, 7);
  EXPECT_DOUBLE_EQ(e->accuracy, 4.0 / 7);
  EXPECT_NEAR(e->per_label.at("a").precision, 2.0 / 3, 1e-12);
  EXPECT_NEAR(e->per_label.at("b").precision, 1.0 / 3, 1e-12);
  EXPECT_NEAR(e->per_label.at("b").recall, 0.5, 1e-12);
  EXPECT_NEAR(e->per_label.at("b").f1, 0.4, 1e-12);
  EXPECT_NEAR(e->per_label.at("c").precision, 1.0, 1e-12);
  EXPECT_EQ(e->per_label.at("c").support, 2);
  EXPECT_NEAR(e->macro_f1, (2.0 / 3 + 0.4 + 2.0 / 3) / 3, 1e-12);
  EXPECT_EQ(e->confusion.at("a").at("b"), 1);
  EXPECT_EQ(e->confusion.at("a").at("a"), 2);
  EXPECT_EQ(e->confusion.at("c").count("a"), 0u);

  const nlohmann::json json = nlohmann::json::parse(e->ToJson());
  EXPECT_NEAR(json["accuracy"].get<double>(), 4.0 / 7, 1e-12);
  EXPECT_NEAR(json["macro_f1"].get<double>(), e->macro_f1, 1e-12);
  EXPECT_EQ(json["per_label"]["b"]["support"], 2);
  EXPECT_NEAR(json["per_label"]["b"]["f1"].get<double>(), 0.4, 1e-12);
  EXPECT_EQ(json["confusion"]["b"]["a"], 1);
  const std::string text = e->ToText();
  EXPECT_TRUE(absl::StrContains(text, "accuracy 0.5714")) << text;
  EXPECT_TRUE(absl::StrContains(text, "macro-F1 0.5778")) << text;
}

TEST(EvaluationTest, LabelPatternRestrictsExamplesAndMacroF1) {
  auto e = Score(kPairs, "[ab]");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->examples, 5);
  EXPECT_DOUBLE_EQ(e->accuracy, 3.0 / 5);
  EXPECT_EQ(e->per_label.size(), 2u);
  // b's precision still counts c's example predicted as b.
  EXPECT_NEAR(e->per_label.at("b").precision, 1.0 / 3, 1e-12);
  EXPECT_NEAR(e->macro_f1, (2.0 / 3 + 0.4) / 2, 1e-12);
  EXPECT_EQ(e->confusion.count("c"), 0u);
  EXPECT_EQ(nlohmann::json::parse(e->ToJson())["label_pattern"], "[ab]");

  EXPECT_EQ(Score(kPairs, "[x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Score(kPairs, "z").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EvaluationTest, LabelsOnlyPredictedDoNotCountInMacroF1) {
  auto e = Score({{"a", "a"}, {"a", "x"}});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->per_label.at("x").support, 0);
  EXPECT_NEAR(e->macro_f1, e->per_label.at("a").f1, 1e-12);
}

TEST(EvaluationTest, TextReportListsMistakesWhenThereAreManyLabels) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 12; ++i) pairs.emplace_back(absl::StrCat("L", i), absl::StrCat("L", i));
  pairs.emplace_back("L3", "L7");
  pairs.emplace_back("L3", "L7");
  pairs.emplace_back("L5", "L1");
  const std::string text = Score(pairs)->ToText();
  EXPECT_TRUE(absl::StrContains(text, "L3 -> L7: 2\n  L5 -> L1: 1")) << text;
}

TEST(EvaluationTest, EvaluatesAModel) {
  auto model = TextClassifier::Train(ToyCorpus(), Options(Algorithm::kLinear));
  ASSERT_TRUE(model.ok());
  std::vector<LabelledText> probes;
  for (const auto& [probe, label] : kProbes) {
    probes.push_back(probe);
    probes.back().label = label;
  }
  auto e = Evaluate(**model, probes);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->examples, 4);
  EXPECT_DOUBLE_EQ(e->accuracy, 1.0);
  EXPECT_DOUBLE_EQ(e->macro_f1, 1.0);
}

// ---------------------------------------------------------------------------------------------
// Complaint classifier: model and keywords together.

constexpr char kTaxonomy[] = R"(departments:
  chengguan: 综合执法局
  huanwei: 环卫处
  jiedao: 街道办事处
default_deadlines: {emergency: 2h, urgent: 24h, normal: 5d}
categories:
  - code: A1
    name: 占道经营
    parent: A 市容秩序
    keywords: [摆摊, 占道, 小贩]
    lead: chengguan
  - code: B1
    name: 垃圾清运
    parent: B 环境卫生
    keywords: [垃圾, 清运]
    lead: huanwei
  - code: J1
    name: 噪音
    parent: J 其他
    keywords: [噪音, 太吵]
    lead: jiedao
)";

class ComplaintClassifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // "路灯 不亮" is a label the taxonomy does not know.
    auto model = TextClassifier::Train(ToyCorpus(), Options(Algorithm::kLinear));
    ASSERT_TRUE(model.ok());
    model_ = *std::move(model);
  }
  static void TearDownTestSuite() { model_.reset(); }

  // The model's probability of `label` renormalised over the taxonomy's categories.
  static double KnownProbability(absl::string_view title, absl::string_view text,
                                 const std::string& label) {
    double known = 0, wanted = 0;
    for (const Prediction& p : model_->Predict(title, text, 0)) {
      if (p.label != "路灯 不亮") known += p.probability;
      if (p.label == label) wanted = p.probability;
    }
    return wanted / known;
  }

  Taxonomy taxonomy_ = *Taxonomy::Parse(kTaxonomy);
  static std::shared_ptr<const TextClassifier> model_;
};
std::shared_ptr<const TextClassifier> ComplaintClassifierTest::model_;

TEST_F(ComplaintClassifierTest, KeywordsAgreeingWithTheModelRaiseItsConfidence) {
  const std::string text = "菜市场门口又有人摆摊，占道经营";
  const Classification c = ComplaintClassifier(model_).Classify(taxonomy_, "", text);
  EXPECT_EQ(c.category_code, "A1");
  EXPECT_EQ(c.method, "model+keywords");
  EXPECT_EQ(c.keywords, (std::vector<std::string>{"摆摊", "占道"}));
  EXPECT_EQ(c.model_label, "A1");
  const double p = KnownProbability("", text, "A1");
  EXPECT_NEAR(c.confidence, (p + 0.375) / 1.375, 1e-9);
  EXPECT_GT(c.confidence, p);
}

TEST_F(ComplaintClassifierTest, KeywordsPointingElsewhereLowerTheConfidence) {
  // The model reads noise; "垃圾" is a keyword of B1.
  const std::string text = "工地半夜施工打桩，吵得睡不着，还扔垃圾";
  const Classification c = ComplaintClassifier(model_).Classify(taxonomy_, "", text);
  EXPECT_EQ(c.category_code, "J1");
  EXPECT_EQ(c.method, "model");
  EXPECT_TRUE(c.keywords.empty());
  const double p = KnownProbability("", text, "J1");
  EXPECT_NEAR(c.confidence, p / 1.25, 1e-9);
}

TEST_F(ComplaintClassifierTest, KeywordsAloneGiveAModestConfidence) {
  const ComplaintClassifier keywords_only(nullptr);
  Classification c = keywords_only.Classify(taxonomy_, "楼下", "垃圾没人管");
  EXPECT_EQ(c.category_code, "B1");
  EXPECT_EQ(c.method, "keywords");
  EXPECT_EQ(c.keywords, std::vector<std::string>{"垃圾"});
  EXPECT_NEAR(c.confidence, 0.25 / 1.25, 1e-12);
  EXPECT_EQ(c.model_label, "");

  c = keywords_only.Classify(taxonomy_, "今天天气不错", "没什么事");
  EXPECT_EQ(c.category_code, "");
  EXPECT_EQ(c.confidence, 0);
  EXPECT_EQ(c.method, "");
}

TEST_F(ComplaintClassifierTest, LabelsUnknownToTheTaxonomyAreIgnored) {
  const std::string text = "门口的路灯不亮了，一片漆黑";
  const Classification c = ComplaintClassifier(model_).Classify(taxonomy_, "路灯", text);
  EXPECT_EQ(c.model_label, "路灯 不亮");
  EXPECT_GT(c.model_score, 0.5);
  ASSERT_NE(c.category_code, "");
  EXPECT_NE(c.category_code, "路灯 不亮");
  EXPECT_NEAR(c.confidence, KnownProbability("路灯", text, c.category_code), 1e-9);

  // A model that knows none of the taxonomy's categories leaves only the keywords.
  auto unrelated = TextClassifier::Train(
      {{.text = "甲乙丙", .label = "x"}, {.text = "丁戊己", .label = "y"}}, Options(Algorithm::kLinear));
  ASSERT_TRUE(unrelated.ok());
  const Classification k =
      ComplaintClassifier(*std::move(unrelated)).Classify(taxonomy_, "", "小贩占道");
  EXPECT_EQ(k.category_code, "A1");
  EXPECT_EQ(k.method, "keywords");
  EXPECT_NEAR(k.confidence, 0.375 / 1.375, 1e-12);
}

TEST_F(ComplaintClassifierTest, FindsKeywordsInTheShippedTaxonomy) {
  auto shipped = Taxonomy::Load(std::string(MINSHENG_SOURCE_DIR) + "/deploy/taxonomy.yaml");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  const ComplaintClassifier keywords_only(nullptr);
  // Every keyword is found in a text made of it, short ones (under 4 bytes) included.
  for (const Category& category : shipped->categories()) {
    for (const std::string& keyword : category.keywords) {
      const Classification c = keywords_only.Classify(*shipped, "", "前面" + keyword + "后面");
      EXPECT_FALSE(c.category_code.empty()) << keyword;
      EXPECT_GT(c.confidence, 0) << keyword;
    }
  }
}

}  // namespace
}  // namespace minsheng::processors
