#include "processors/classify/text_classifier.h"

#include <fasttext/fasttext.h>
#include <linear.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/utf8.h"

namespace minsheng::processors {

class TextClassifier::Backend {
 public:
  virtual ~Backend() = default;
  // The probability of each label (by index into labels()), summing to 1.
  virtual std::vector<double> Probabilities(absl::string_view title,
                                            absl::string_view text) const = 0;
  // The algorithm's own part of the model file.
  virtual std::string Payload() const = 0;
};

namespace {

using Backend = TextClassifier::Backend;

// ---------------------------------------------------------------------------------------------
// Text units shared by both algorithms.

// The code point as the classifier reads it, or 0 when it carries no content: whitespace,
// controls, punctuation, symbols, emoji and U+FFFD (what malformed UTF-8 decodes to). Full-width
// ASCII is folded, Latin letters lower-cased and every digit read as 0 (numbers say little about
// the category but would add many features).
char32_t ContentUnit(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
  if (cp < 0x80) {
    if (cp >= '0' && cp <= '9') return '0';
    if (cp >= 'A' && cp <= 'Z') return cp + ('a' - 'A');
    if (cp >= 'a' && cp <= 'z') return cp;
    return 0;
  }
  const bool no_content =
      cp <= 0xBF || cp == 0xD7 || cp == 0xF7 ||      // C1 controls, Latin-1 punctuation, × ÷
      (cp >= 0x2000 && cp <= 0x2BFF) ||              // general punctuation .. misc symbols
      (cp >= 0x3000 && cp <= 0x303F) ||              // CJK symbols and punctuation
      (cp >= 0xFE10 && cp <= 0xFE1F) ||              // vertical forms
      (cp >= 0xFE30 && cp <= 0xFE6F) ||              // CJK compatibility and small forms
      cp == 0xFEFF || cp == 0xFF00 ||                // byte order mark
      (cp >= 0xFF5F && cp <= 0xFF65) ||              // half-width CJK punctuation
      (cp >= 0xFFE0 && cp <= 0xFFFF) ||              // full-width symbols, specials
      (cp >= 0x1F000 && cp <= 0x1FAFF);              // emoji, pictographs
  return no_content ? 0 : cp;
}

std::vector<char32_t> ContentUnits(absl::string_view s) {
  std::vector<char32_t> units;
  units.reserve(s.size() / 3 + 1);
  for (size_t i = 0; i < s.size();) {
    if (char32_t unit = ContentUnit(NextCodePoint(s, &i)); unit != 0) units.push_back(unit);
  }
  return units;
}

// ---------------------------------------------------------------------------------------------
// The model file: magic, a checksum of everything after it, then the body. Integers and floats
// are stored in the machine's (little-endian) byte order.

constexpr char kMagic[8] = {'M', 'S', 'T', 'X', 'T', 'C', 'L', 'S'};
constexpr uint32_t kFormatVersion = 1;

// FNV-1a, 64 bits: detects truncation and corruption before any part of the body is trusted.
uint64_t Checksum(absl::string_view data) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}

class ByteWriter {
 public:
  template <typename T>
  void Put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void PutBytes(absl::string_view bytes) { out_.append(bytes.data(), bytes.size()); }
  void PutString(absl::string_view s) {
    Put<uint64_t>(s.size());
    PutBytes(s);
  }
  template <typename T>
  void PutArray(const std::vector<T>& values) {
    static_assert(std::is_trivially_copyable_v<T>);
    Put<uint64_t>(values.size());
    out_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what ByteWriter wrote; every Get fails (returns false) instead of reading past the end.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view data) : data_(data) {}

  template <typename T>
  bool Get(T* value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (data_.size() < sizeof(T)) return false;
    std::memcpy(value, data_.data(), sizeof(T));
    data_.remove_prefix(sizeof(T));
    return true;
  }
  bool GetString(std::string* s) {
    uint64_t size = 0;
    if (!Get(&size) || size > data_.size()) return false;
    s->assign(data_.data(), size);
    data_.remove_prefix(size);
    return true;
  }
  template <typename T>
  bool GetArray(std::vector<T>* values) {
    uint64_t count = 0;
    if (!Get(&count) || count > data_.size() / sizeof(T)) return false;
    values->resize(count);
    std::memcpy(values->data(), data_.data(), count * sizeof(T));
    data_.remove_prefix(count * sizeof(T));
    return true;
  }
  bool done() const { return data_.empty(); }

 private:
  absl::string_view data_;
};

// ---------------------------------------------------------------------------------------------
// Linear: TF-IDF character n-grams and one-vs-rest logistic regression.

// An n-gram as a collision-free key: up to three 21-bit code points (0 = none, so "ab" and
// "\0ab" never meet), plus one bit for n-grams of the title as features of their own.
using NgramKey = uint64_t;
constexpr NgramKey kTitleBit = NgramKey{1} << 63;

// Every 1-, 2- and 3-gram of `units` (with repeats), tagged with `field_bit`.
void AppendNgrams(const std::vector<char32_t>& units, NgramKey field_bit,
                  std::vector<NgramKey>& keys) {
  NgramKey window = 0;
  constexpr NgramKey kMask = (NgramKey{1} << 63) - 1;
  for (size_t i = 0; i < units.size(); ++i) {
    window = ((window << 21) | units[i]) & kMask;
    keys.push_back(field_bit | units[i]);
    if (i >= 1) keys.push_back(field_bit | (window & ((NgramKey{1} << 42) - 1)));
    if (i >= 2) keys.push_back(field_bit | window);
  }
}

std::vector<NgramKey> DocumentNgrams(absl::string_view title, absl::string_view text) {
  const std::vector<char32_t> title_units = ContentUnits(title);
  const std::vector<char32_t> text_units = ContentUnits(text);
  std::vector<NgramKey> keys;
  keys.reserve(3 * (2 * title_units.size() + text_units.size()));
  AppendNgrams(title_units, 0, keys);
  AppendNgrams(text_units, 0, keys);
  AppendNgrams(title_units, kTitleBit, keys);
  return keys;
}

// Weights and idfs are stored as bfloat16, the upper half of a float: 8 significant bits are
// plenty for a linear model and halve its size.
uint16_t ToBfloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return static_cast<uint16_t>((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);  // round to even
}

float FromBfloat16(uint16_t half) {
  const uint32_t bits = uint32_t{half} << 16;
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

// Fibonacci hashing: the top `bits` bits of key x 2^64/phi. Spreads the small keys of single
// characters as well as the wide ones of trigrams.
size_t SlotOf(NgramKey key, int bits) { return (key * 0x9E3779B97F4A7C15ULL) >> (64 - bits); }

// The distinct keys of `keys` in order of first occurrence, each with how often it occurs. An
// open-addressing table small enough to stay in cache: several times faster than sorting the
// ~1,000 n-grams of a complaint, and the vocabulary is then searched once per distinct n-gram.
std::vector<std::pair<NgramKey, uint32_t>> CountDistinct(const std::vector<NgramKey>& keys) {
  constexpr uint32_t kEmpty = ~uint32_t{0};
  int bits = 4;
  while ((size_t{1} << bits) < 2 * keys.size()) ++bits;
  std::vector<uint32_t> slots(size_t{1} << bits, kEmpty);  // position in `counts`
  std::vector<std::pair<NgramKey, uint32_t>> counts;
  counts.reserve(keys.size());
  for (NgramKey key : keys) {
    size_t slot = SlotOf(key, bits);
    while (slots[slot] != kEmpty && counts[slots[slot]].first != key) {
      slot = (slot + 1) & (slots.size() - 1);
    }
    if (slots[slot] == kEmpty) {
      slots[slot] = static_cast<uint32_t>(counts.size());
      counts.emplace_back(key, 0);
    }
    ++counts[slots[slot]].second;
  }
  return counts;
}

// Where a feature's weights are, entries [start, start + length) of the model, and its idf.
struct FeatureRow {
  uint32_t start = 0;
  uint16_t length = 0;
  uint16_t idf = 0;  // bfloat16
};

// One weight of a feature for one label.
struct WeightEntry {
  uint16_t label;
  uint16_t weight;  // bfloat16
};

// A feature of one document: its n-gram, where its weights are, and its value.
struct Feature {
  NgramKey key;
  FeatureRow row;
  float value;
};

// How many items ahead of the one being read the vocabulary and the weights are prefetched:
// enough to hide a trip to memory, few enough not to evict what is about to be read.
constexpr size_t kPrefetchDistance = 16;

// The n-grams a model knows: an open-addressing table of 16-byte slots. At a few MB it is larger
// than the cache, so Features prefetches the slot of the n-gram kPrefetchDistance ahead of the
// one it looks up: the cache misses of a complaint's several hundred n-grams then overlap
// instead of following each other.
class Vocabulary {
 public:
  // `rows` in the order of `keys`, which ascend.
  Vocabulary(std::vector<NgramKey> keys, const std::vector<FeatureRow>& rows)
      : keys_(std::move(keys)) {
    while ((size_t{1} << bits_) < keys_.size() + keys_.size() / 2) ++bits_;  // load <= 2/3
    slots_.assign(size_t{1} << bits_, Slot{});
    for (size_t i = 0; i < keys_.size(); ++i) {
      size_t slot = SlotOf(keys_[i], bits_);
      while (slots_[slot].key != kNoKey) slot = (slot + 1) & (slots_.size() - 1);
      slots_[slot] = {keys_[i], rows[i]};
    }
  }

  // The document's known n-grams, weighted (1 + log tf) * idf and L2-normalised, in no
  // particular order.
  std::vector<Feature> Features(absl::string_view title, absl::string_view text) const {
    const std::vector<std::pair<NgramKey, uint32_t>> counts =
        CountDistinct(DocumentNgrams(title, text));
    std::vector<Feature> features;
    features.reserve(counts.size());
    double norm = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
      if (i + kPrefetchDistance < counts.size()) {
        __builtin_prefetch(&slots_[SlotOf(counts[i + kPrefetchDistance].first, bits_)]);
      }
      const auto [key, count] = counts[i];
      const Slot* slot = Find(key);
      if (slot == nullptr) continue;
      const float tf = count == 1 ? 1 : 1 + std::log(static_cast<float>(count));
      const float value = tf * FromBfloat16(slot->row.idf);
      features.push_back({key, slot->row, value});
      norm += static_cast<double>(value) * value;
    }
    if (norm > 0) {
      const float scale = static_cast<float>(1 / std::sqrt(norm));
      for (Feature& f : features) f.value *= scale;
    }
    return features;
  }

  size_t size() const { return keys_.size(); }
  // Ascending.
  const std::vector<NgramKey>& keys() const { return keys_; }
  // The row of one of keys().
  const FeatureRow& row(NgramKey key) const { return Find(key)->row; }

 private:
  // Keys are never 0: every n-gram has at least one non-zero code point.
  static constexpr NgramKey kNoKey = 0;
  struct Slot {
    NgramKey key = kNoKey;
    FeatureRow row;
  };

  const Slot* Find(NgramKey key) const {
    for (size_t slot = SlotOf(key, bits_);; slot = (slot + 1) & (slots_.size() - 1)) {
      if (slots_[slot].key == key) return &slots_[slot];
      if (slots_[slot].key == kNoKey) return nullptr;
    }
  }

  std::vector<NgramKey> keys_;
  int bits_ = 4;
  std::vector<Slot> slots_;
};

class LinearBackend : public Backend {
 public:
  LinearBackend(Vocabulary vocabulary, std::vector<WeightEntry> entries, std::vector<float> bias)
      : vocabulary_(std::move(vocabulary)), entries_(std::move(entries)), bias_(std::move(bias)) {}

  static absl::StatusOr<std::unique_ptr<const Backend>> Train(
      const std::vector<LabelledText>& examples, const std::vector<int>& label_of,
      size_t label_count, const TextClassifier::TrainOptions& options);
  static absl::StatusOr<std::unique_ptr<const Backend>> Parse(absl::string_view payload,
                                                              size_t label_count);

  std::vector<double> Probabilities(absl::string_view title,
                                    absl::string_view text) const override {
    std::vector<float> scores(bias_.begin(), bias_.end());  // float: faster, and precise enough
    const std::vector<Feature> features = vocabulary_.Features(title, text);
    for (size_t i = 0; i < features.size(); ++i) {
      if (i + kPrefetchDistance < features.size()) {
        __builtin_prefetch(&entries_[features[i + kPrefetchDistance].row.start]);
      }
      const Feature& f = features[i];
      const WeightEntry* row = &entries_[f.row.start];
      for (uint32_t e = 0; e < f.row.length; ++e) {
        scores[row[e].label] += f.value * FromBfloat16(row[e].weight);
      }
    }
    // liblinear's one-vs-rest probabilities: each label's logistic output, normalised.
    std::vector<double> probabilities(scores.begin(), scores.end());
    double sum = 0;
    for (double& p : probabilities) sum += (p = 1 / (1 + std::exp(-p)));
    for (double& p : probabilities) p /= sum;
    return probabilities;
  }

  // Keys, then per feature its idf and row length (rows follow each other), the entries and the
  // bias.
  std::string Payload() const override {
    std::vector<uint16_t> idf, row_length;
    for (NgramKey key : vocabulary_.keys()) {
      idf.push_back(vocabulary_.row(key).idf);
      row_length.push_back(vocabulary_.row(key).length);
    }
    ByteWriter w;
    w.PutArray(vocabulary_.keys());
    w.PutArray(idf);
    w.PutArray(row_length);
    w.PutArray(entries_);
    w.PutArray(bias_);
    return w.Take();
  }

 private:
  Vocabulary vocabulary_;
  std::vector<WeightEntry> entries_;
  std::vector<float> bias_;  // per label
};

void Silent(const char*) {}

// One label's weights against all others: the (feature, weight) pairs kept, and the bias.
struct BinaryWeights {
  std::vector<std::pair<uint32_t, float>> weights;
  float bias = 0;
};

absl::StatusOr<std::unique_ptr<const Backend>> LinearBackend::Train(
    const std::vector<LabelledText>& examples, const std::vector<int>& label_of,
    size_t label_count, const TextClassifier::TrainOptions& options) {
  // Vocabulary: n-grams in at least min_count examples.
  absl::flat_hash_map<NgramKey, uint32_t> document_frequency;
  for (const LabelledText& example : examples) {
    std::vector<NgramKey> keys = DocumentNgrams(example.title, example.text);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (NgramKey key : keys) ++document_frequency[key];
  }
  std::vector<NgramKey> kept;
  for (const auto& [key, count] : document_frequency) {
    if (count >= static_cast<uint32_t>(options.min_count)) kept.push_back(key);
  }
  std::sort(kept.begin(), kept.end());
  std::vector<FeatureRow> rows(kept.size());  // idf only, for now
  const double n = static_cast<double>(examples.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    rows[i].idf = ToBfloat16(std::log((n + 1) / (document_frequency[kept[i]] + 1)) + 1);
  }
  document_frequency = {};
  const Vocabulary vocabulary(std::move(kept), rows);
  const int feature_count = static_cast<int>(vocabulary.size());

  // liblinear's problem: 1-based feature indices, then the bias feature, then -1.
  std::vector<std::vector<feature_node>> instances;
  instances.reserve(examples.size());
  for (const LabelledText& example : examples) {
    std::vector<feature_node>& instance = instances.emplace_back();
    for (const Feature& f : vocabulary.Features(example.title, example.text)) {
      const auto index =
          std::lower_bound(vocabulary.keys().begin(), vocabulary.keys().end(), f.key) -
          vocabulary.keys().begin();
      instance.push_back({static_cast<int>(index) + 1, f.value});
    }
    std::sort(instance.begin(), instance.end(),
              [](const feature_node& a, const feature_node& b) { return a.index < b.index; });
    instance.push_back({feature_count + 1, 1.0});
    instance.push_back({-1, 0});
  }
  std::vector<feature_node*> x;
  for (auto& instance : instances) x.push_back(instance.data());

  set_print_string_function(&Silent);

  // One-vs-rest, one label per task: liblinear does the same for several labels, but this
  // way the labels train in parallel and the result does not depend on the thread count.
  std::vector<BinaryWeights> per_label(label_count);
  std::atomic<size_t> next_label{0};
  auto worker = [&] {
    std::vector<double> y(examples.size());
    for (size_t k; (k = next_label++) < label_count;) {
      int positives = 0;
      for (size_t i = 0; i < examples.size(); ++i) {
        y[i] = label_of[i] == int(k) ? 1 : -1;
        positives += label_of[i] == int(k);
      }
      // A label's examples weigh as much as all others together: corpora are skewed (hundreds
      // of examples of one label, a dozen of another), and without this the rare labels are
      // hardly ever predicted (held-out macro-F1 0.43 instead of 0.49 on the first corpus).
      int positive_label = 1;
      double positive_weight = double(examples.size() - positives) / positives;
      parameter param{};
      // The primal solver: the dual one is 2-3x faster but draws on the process-wide rand(),
      // so its result would depend on the threads and anything else calling rand().
      param.solver_type = L2R_LR;
      param.eps = 0.01;
      param.C = options.cost;
      param.nr_weight = 1;
      param.weight_label = &positive_label;
      param.weight = &positive_weight;
      problem prob{};
      prob.l = static_cast<int>(examples.size());
      prob.n = feature_count + 1;
      prob.y = y.data();
      prob.x = x.data();
      prob.bias = 1;
      model* m = train(&prob, &param);
      // w belongs to m->label[0], the label of the first example.
      const double sign = m->label[0] > 0 ? 1 : -1;
      BinaryWeights& out = per_label[k];
      for (int j = 0; j < feature_count; ++j) {
        const float weight = static_cast<float>(sign * m->w[j]);
        // What a feature can add to a decision value is its weight times its (normalised)
        // TF-IDF value, so rare n-grams keep smaller weights than common ones.
        if (std::fabs(weight) * FromBfloat16(rows[j].idf) >= options.min_weight) {
          out.weights.emplace_back(j, weight);
        }
      }
      out.bias = static_cast<float>(sign * m->w[feature_count]);
      free_and_destroy_model(&m);
    }
  };
  const int threads = std::min<int>(options.threads, static_cast<int>(label_count));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();

  // Regroup by feature.
  for (const BinaryWeights& b : per_label) {
    for (const auto& [feature, weight] : b.weights) ++rows[feature].length;
  }
  uint32_t start = 0;
  for (FeatureRow& row : rows) start += (row.start = start, row.length);
  std::vector<WeightEntry> entries(start);
  std::vector<uint32_t> fill(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) fill[i] = rows[i].start;
  std::vector<float> bias;
  for (size_t k = 0; k < label_count; ++k) {
    for (const auto& [feature, weight] : per_label[k].weights) {
      entries[fill[feature]++] = {static_cast<uint16_t>(k), ToBfloat16(weight)};
    }
    bias.push_back(per_label[k].bias);
  }
  return std::make_unique<LinearBackend>(Vocabulary(vocabulary.keys(), rows), std::move(entries),
                                         std::move(bias));
}

absl::StatusOr<std::unique_ptr<const Backend>> LinearBackend::Parse(absl::string_view payload,
                                                                    size_t label_count) {
  ByteReader r(payload);
  std::vector<NgramKey> keys;
  std::vector<uint16_t> idf, row_length;
  std::vector<WeightEntry> entries;
  std::vector<float> bias;
  if (!r.GetArray(&keys) || !r.GetArray(&idf) || !r.GetArray(&row_length) ||
      !r.GetArray(&entries) || !r.GetArray(&bias) || !r.done()) {
    return absl::InvalidArgumentError("linear model: truncated or overlong");
  }
  if (!std::is_sorted(keys.begin(), keys.end()) ||
      std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
    return absl::InvalidArgumentError("linear model: n-grams not strictly ascending");
  }
  if (idf.size() != keys.size() || row_length.size() != keys.size() ||
      bias.size() != label_count) {
    return absl::InvalidArgumentError("linear model: inconsistent sizes");
  }
  std::vector<FeatureRow> rows(keys.size());
  uint64_t start = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i] = {.start = static_cast<uint32_t>(start), .length = row_length[i], .idf = idf[i]};
    start += row_length[i];
  }
  if (start != entries.size()) return absl::InvalidArgumentError("linear model: inconsistent sizes");
  for (const WeightEntry& entry : entries) {
    if (entry.label >= label_count) {
      return absl::InvalidArgumentError("linear model: bad label index");
    }
  }
  return std::make_unique<LinearBackend>(Vocabulary(std::move(keys), rows), std::move(entries),
                                         std::move(bias));
}

// ---------------------------------------------------------------------------------------------
// fastText over characters as words.

constexpr char kFastTextLabelPrefix[] = "__label__";

// fastText checks the header of its model only when loading from a file name; this exposes
// that check for a model read from memory.
class FastTextModel : public fasttext::FastText {
 public:
  using fasttext::FastText::checkModel;
};

// The content units of title and text as space-separated words, ending with a newline (fastText
// reads that as its end-of-sentence word).
std::string FastTextWords(absl::string_view title, absl::string_view text) {
  std::string words;
  words.reserve(title.size() + text.size() + 2);
  for (absl::string_view part : {title, text}) {
    for (char32_t unit : ContentUnits(part)) {
      AppendUtf8(unit, words);
      words.push_back(' ');
    }
  }
  words.push_back('\n');
  return words;
}

// A temporary directory, removed with its contents.
class ScratchDir {
 public:
  ScratchDir() {
    // The error_code overload: a TMPDIR that does not exist is an error, not a crash.
    std::error_code error;
    std::string pattern = std::filesystem::temp_directory_path(error) / "minsheng-train-XXXXXX";
    if (!error && mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  bool ok() const { return !path_.empty(); }
  std::string file(absl::string_view name) const { return absl::StrCat(path_, "/", name); }

 private:
  std::string path_;
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return std::move(content).str();
}

// fastText's predict is const and keeps its scratch state (hidden and output vectors) per call,
// and Dictionary::getLine is const, so concurrent Probabilities calls are safe (fastText 0.9.2;
// the unit test runs predictions from several threads).
class FastTextBackend : public Backend {
 public:
  static absl::StatusOr<std::unique_ptr<const Backend>> Train(
      const std::vector<LabelledText>& examples, const std::vector<int>& label_of,
      size_t label_count, const TextClassifier::TrainOptions& options);
  // `payload` is fastText's own model file.
  static absl::StatusOr<std::unique_ptr<const Backend>> Parse(std::string payload,
                                                              size_t label_count);

  std::vector<double> Probabilities(absl::string_view title,
                                    absl::string_view text) const override {
    std::istringstream in(FastTextWords(title, text));
    std::vector<int32_t> words, unused_labels;
    dictionary_->getLine(in, words, unused_labels);
    fasttext::Predictions predictions;
    model_->predict(static_cast<int32_t>(label_of_id_.size()), words, predictions, 0.0);
    std::vector<double> probabilities(label_of_id_.size(), 0.0);
    double sum = 0;
    for (const auto& [log_probability, id] : predictions) {
      sum += probabilities[label_of_id_[id]] = std::exp(log_probability);
    }
    if (sum <= 0) return std::vector<double>(label_of_id_.size(), 1.0 / label_of_id_.size());
    // fastText adds 1e-5 inside its log; renormalising makes the sum exactly 1 again.
    for (double& p : probabilities) p /= sum;
    return probabilities;
  }

  std::string Payload() const override { return payload_; }

 private:
  FastTextBackend(std::string payload, std::unique_ptr<FastTextModel> model,
                  std::vector<int> label_of_id)
      : payload_(std::move(payload)),
        model_(std::move(model)),
        dictionary_(model_->getDictionary()),
        label_of_id_(std::move(label_of_id)) {}

  std::string payload_;
  std::unique_ptr<FastTextModel> model_;
  std::shared_ptr<const fasttext::Dictionary> dictionary_;
  std::vector<int> label_of_id_;  // fastText's label id -> index into labels()
};

absl::StatusOr<std::unique_ptr<const Backend>> FastTextBackend::Train(
    const std::vector<LabelledText>& examples, const std::vector<int>& label_of,
    size_t label_count, const TextClassifier::TrainOptions& options) {
  ScratchDir scratch;
  if (!scratch.ok()) return absl::InternalError("cannot create a temporary directory");
  // fastText learns by SGD in file order, and corpora often come grouped by label: shuffle, with
  // a fixed seed so that training is reproducible (Fisher-Yates over mt19937, whose output the
  // standard fixes, unlike std::shuffle's).
  std::vector<size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 random(1);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[random() % i]);
  // fastText reads its training data from a file; labels become indices so that any label
  // string (spaces included) works.
  const std::string input = scratch.file("train.txt");
  {
    std::ofstream out(input, std::ios::binary);
    for (size_t i : order) {
      out << kFastTextLabelPrefix << label_of[i] << ' '
          << FastTextWords(examples[i].title, examples[i].text);
    }
    if (!out.flush()) return absl::InternalError(absl::StrCat(input, ": write failed"));
  }
  fasttext::Args args;
  args.input = input;
  args.model = fasttext::model_name::sup;
  args.loss = fasttext::loss_name::softmax;
  args.dim = options.dim;
  args.epoch = options.epochs;
  args.lr = options.learning_rate;
  args.wordNgrams = 3;
  args.bucket = options.buckets;
  args.minCount = 1;
  args.minn = 0;
  args.maxn = 0;
  args.thread = options.threads;
  args.verbose = 0;
  args.seed = 1;
  const std::string model_file = scratch.file("model.bin");
  try {
    FastTextModel model;
    model.train(args);
    if (options.quantize) {
      fasttext::Args quantization = args;
      quantization.qnorm = true;
      quantization.retrain = false;
      quantization.cutoff = 0;
      quantization.dsub = 2;
      model.quantize(quantization);
    }
    model.saveModel(model_file);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("fastText training failed: ", e.what()));
  }
  auto payload = ReadFile(model_file);
  if (!payload.ok()) return payload.status();
  return Parse(*std::move(payload), label_count);
}

absl::StatusOr<std::unique_ptr<const Backend>> FastTextBackend::Parse(std::string payload,
                                                                      size_t label_count) {
  auto model = std::make_unique<FastTextModel>();
  try {
    std::istringstream in(payload);
    if (!model->checkModel(in)) return absl::InvalidArgumentError("not a fastText model");
    model->loadModel(in);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("fastText model: ", e.what()));
  }
  if (model->getArgs().model != fasttext::model_name::sup ||
      model->getArgs().loss != fasttext::loss_name::softmax) {
    return absl::InvalidArgumentError("fastText model: not a softmax classifier");
  }
  auto dictionary = model->getDictionary();
  if (static_cast<size_t>(dictionary->nlabels()) != label_count) {
    return absl::InvalidArgumentError("fastText model: label count differs");
  }
  std::vector<int> label_of_id(label_count, -1);
  std::set<int> seen;
  for (int32_t id = 0; id < dictionary->nlabels(); ++id) {
    absl::string_view name = dictionary->getLabel(id);
    int index = -1;
    if (!absl::ConsumePrefix(&name, kFastTextLabelPrefix) || !absl::SimpleAtoi(name, &index) ||
        index < 0 || static_cast<size_t>(index) >= label_count || !seen.insert(index).second) {
      return absl::InvalidArgumentError("fastText model: unexpected label");
    }
    label_of_id[id] = index;
  }
  return std::unique_ptr<const Backend>(
      new FastTextBackend(std::move(payload), std::move(model), std::move(label_of_id)));
}

absl::Status ValidateOptions(const TextClassifier::TrainOptions& o) {
  if (o.threads < 1) return absl::InvalidArgumentError("threads must be at least 1");
  if (o.algorithm == TextClassifier::Algorithm::kLinear) {
    if (!(o.cost > 0) || !std::isfinite(o.cost)) {
      return absl::InvalidArgumentError("cost must be positive and finite");
    }
    if (o.min_count < 1) return absl::InvalidArgumentError("min count must be at least 1");
    if (!(o.min_weight >= 0)) return absl::InvalidArgumentError("min weight must be >= 0");
  } else {
    if (o.epochs < 1) return absl::InvalidArgumentError("epochs must be at least 1");
    if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate)) {
      return absl::InvalidArgumentError("learning rate must be positive and finite");
    }
    if (o.dim < 2) return absl::InvalidArgumentError("dim must be at least 2");
    if (o.buckets < 1) return absl::InvalidArgumentError("buckets must be at least 1");
  }
  return absl::OkStatus();
}

}  // namespace

TextClassifier::TextClassifier(Algorithm algorithm, std::vector<std::string> labels,
                               std::unique_ptr<const Backend> backend)
    : algorithm_(algorithm), labels_(std::move(labels)), backend_(std::move(backend)) {}

TextClassifier::~TextClassifier() = default;

absl::string_view TextClassifier::AlgorithmName(Algorithm algorithm) {
  return algorithm == Algorithm::kLinear ? "linear" : "fasttext";
}

absl::StatusOr<TextClassifier::Algorithm> TextClassifier::ParseAlgorithm(absl::string_view name) {
  if (name == "linear") return Algorithm::kLinear;
  if (name == "fasttext") return Algorithm::kFastText;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown algorithm ", name, " (expected linear or fasttext)"));
}

absl::StatusOr<std::unique_ptr<TextClassifier>> TextClassifier::Train(
    const std::vector<LabelledText>& examples, const TrainOptions& options) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  std::set<std::string> distinct;
  for (const LabelledText& example : examples) {
    if (example.label.empty()) return absl::InvalidArgumentError("an example has no label");
    distinct.insert(example.label);
  }
  if (distinct.size() < 2) {
    return absl::InvalidArgumentError("training needs examples of at least two labels");
  }
  if (distinct.size() > 65535) return absl::InvalidArgumentError("more than 65535 labels");
  std::vector<std::string> labels(distinct.begin(), distinct.end());
  std::vector<int> label_of;
  label_of.reserve(examples.size());
  for (const LabelledText& example : examples) {
    label_of.push_back(static_cast<int>(
        std::lower_bound(labels.begin(), labels.end(), example.label) - labels.begin()));
  }
  auto backend = options.algorithm == Algorithm::kLinear
                     ? LinearBackend::Train(examples, label_of, labels.size(), options)
                     : FastTextBackend::Train(examples, label_of, labels.size(), options);
  if (!backend.ok()) return backend.status();
  return std::unique_ptr<TextClassifier>(
      new TextClassifier(options.algorithm, std::move(labels), *std::move(backend)));
}

std::string TextClassifier::Serialize() const {
  ByteWriter body;
  body.Put<uint32_t>(kFormatVersion);
  body.Put<uint8_t>(algorithm_ == Algorithm::kLinear ? 0 : 1);
  body.Put<uint64_t>(labels_.size());
  for (const std::string& label : labels_) body.PutString(label);
  body.PutString(backend_->Payload());
  const std::string content = body.Take();
  ByteWriter file;
  file.PutBytes(absl::string_view(kMagic, sizeof(kMagic)));
  file.Put<uint64_t>(Checksum(content));
  return file.Take() + content;
}

size_t TextClassifier::SerializedSize() const { return Serialize().size(); }

absl::Status TextClassifier::Save(const std::string& path) const {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return absl::InternalError(absl::StrCat(path, ": cannot write ", temporary));
    out << Serialize();
    if (!out.flush()) return absl::InternalError(absl::StrCat(temporary, ": write failed"));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return absl::InternalError(absl::StrCat(path, ": ", error.message()));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<TextClassifier>> TextClassifier::Load(const std::string& path) {
  auto file = ReadFile(path);
  if (!file.ok()) return file.status();
  const auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
  };
  ByteReader header(*file);
  char magic[sizeof(kMagic)];
  uint64_t checksum = 0;
  if (!header.Get(&magic) || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) {
    return invalid("not a minsheng text classifier model");
  }
  if (!header.Get(&checksum) ||
      checksum != Checksum(absl::string_view(*file).substr(sizeof(kMagic) + sizeof(checksum)))) {
    return invalid("model file is truncated or corrupt (checksum mismatch)");
  }
  ByteReader body(absl::string_view(*file).substr(sizeof(kMagic) + sizeof(checksum)));
  uint32_t version = 0;
  uint8_t algorithm_code = 0;
  uint64_t label_count = 0;
  if (!body.Get(&version) || version != kFormatVersion) {
    return invalid(absl::StrCat("unsupported model format version ", version));
  }
  if (!body.Get(&algorithm_code) || algorithm_code > 1) return invalid("unknown algorithm");
  if (!body.Get(&label_count) || label_count < 2 || label_count > 65535) {
    return invalid("bad label count");
  }
  std::vector<std::string> labels(label_count);
  for (std::string& label : labels) {
    if (!body.GetString(&label)) return invalid("truncated labels");
  }
  std::string payload;
  if (!body.GetString(&payload) || !body.done()) return invalid("truncated or overlong model");
  const Algorithm algorithm = algorithm_code == 0 ? Algorithm::kLinear : Algorithm::kFastText;
  auto backend = algorithm == Algorithm::kLinear
                     ? LinearBackend::Parse(payload, labels.size())
                     : FastTextBackend::Parse(std::move(payload), labels.size());
  if (!backend.ok()) return invalid(backend.status().message());
  return std::unique_ptr<TextClassifier>(
      new TextClassifier(algorithm, std::move(labels), *std::move(backend)));
}

std::vector<double> TextClassifier::Probabilities(absl::string_view title,
                                                  absl::string_view text) const {
  return backend_->Probabilities(title, text);
}

std::vector<Prediction> TextClassifier::Predict(absl::string_view title, absl::string_view text,
                                                int top_k) const {
  const std::vector<double> probabilities = backend_->Probabilities(title, text);
  std::vector<int> order(probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t k = top_k <= 0 ? order.size() : std::min<size_t>(top_k, order.size());
  const auto more_probable = [&](int a, int b) {
    return probabilities[a] != probabilities[b] ? probabilities[a] > probabilities[b] : a < b;
  };
  if (k == order.size()) {
    std::sort(order.begin(), order.end(), more_probable);  // partial_sort would heap-sort
  } else {
    std::partial_sort(order.begin(), order.begin() + k, order.end(), more_probable);
  }
  std::vector<Prediction> predictions;
  predictions.reserve(k);
  for (size_t i = 0; i < k; ++i) predictions.push_back({labels_[order[i]], probabilities[order[i]]});
  return predictions;
}

}  // namespace minsheng::processors
