// Measures near-duplicate matching (processors/dedup) on the labelled real message-board
// duplicates: pairwise precision and recall of the merge decision for the default policy, with
// and without the time window, the curves that justify its thresholds, the replay a processor
// would do, and the throughput of SignText and Decide. Results are in bench/README.md.
//
//   build/bin/dedup_eval [--labels tests/fixtures/duplicate-groups.tsv]
//                        [--messages ../shared/data/messages.jsonl]

#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "processors/dedup/merge_evaluation.h"
#include "processors/dedup/near_duplicate.h"

namespace minsheng::processors {
namespace {

// Places named in the fixture, from a single building to an area of a few streets: two reports
// naming the same one stand in for two located reports within the radius, which the fixture
// (without coordinates) cannot have.
constexpr const char* kPlaces[] = {"丽发新城", "魅力之城", "润芳园",     "中海国际", "江山帝景",
                                   "五矿万境", "滨河苑",   "辉煌国际城", "茶场村",   "凉塘路",
                                   "泉星公园", "兰亭湾畔", "嘉顺苑",     "金茂悦",   "浪琴湾",
                                   "海外滩",   "松雅湖",   "泉塘",       "暮云",     "月亮岛",
                                   "梅溪湖",   "德雅",     "凯乐国际城", "金路",     "福满新城",
                                   "万国城",   "圣力华苑", "东六路",     "商业乐园", "星沙"};

std::string Row(const std::string& label, const PairCounts& c) {
  return absl::StrFormat("| %s | %.3f | %.3f | %.3f | %d | %d | %d |", label, c.precision(),
                         c.recall(), c.f1(), c.true_merges, c.false_merges, c.missed_merges);
}

constexpr char kHeader[] =
    "| policy | precision | recall | F1 | true merges | false merges | missed |\n"
    "|---|---|---|---|---|---|---|";

std::string Days(absl::Duration d) {
  return d == absl::InfiniteDuration() ? "none"
                                       : absl::StrFormat("%.0f d", absl::ToDoubleHours(d) / 24);
}

uint64_t SimHash(const TextSignature& s) {
  int votes[64] = {};
  for (uint32_t h : s.shingles) {
    // Spread the 32-bit shingle hash to 64 bits (SplitMix64).
    uint64_t x = h + 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
    for (int b = 0; b < 64; ++b) votes[b] += (x >> b) & 1 ? 1 : -1;
  }
  uint64_t bits = 0;
  for (int b = 0; b < 64; ++b) bits |= static_cast<uint64_t>(votes[b] > 0) << b;
  return bits;
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

int Run(int argc, char** argv) {
  std::string labels = "tests/fixtures/duplicate-groups.tsv";
  std::string messages = "../shared/data/messages.jsonl";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--labels") {
      labels = argv[i + 1];
    } else if (flag == "--messages") {
      messages = argv[i + 1];
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  absl::StatusOr<std::vector<LabelledReport>> loaded = LoadMessageBoardFixture(labels, messages);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", std::string(loaded.status().message()).c_str());
    return 1;
  }
  const std::vector<LabelledReport>& reports = *loaded;

  std::map<std::string, int> group_sizes;
  for (const LabelledReport& r : reports) ++group_sizes[r.group];
  int groups = 0, grouped = 0, with_area = 0;
  for (const auto& [group, size] : group_sizes) {
    if (size > 1) ++groups, grouped += size;
  }
  for (const LabelledReport& r : reports) with_area += !r.signature.area_code.empty();
  const auto every = [](size_t, size_t) { return true; };
  const PairCounts all = CountPairs(
      reports, [](size_t, size_t) { return false; }, every);
  std::printf(
      "fixture: %zu messages, %d duplicate groups holding %d messages, %zu singletons;\n"
      "%d messages name a district; %lld pairs, %lld of them duplicates\n\n",
      reports.size(), groups, grouped, reports.size() - grouped, with_area,
      static_cast<long long>(all.missed_merges + all.true_separations),
      static_cast<long long>(all.missed_merges));

  const NearDuplicatePolicy defaults;
  NearDuplicatePolicy no_window = defaults;
  no_window.window = absl::InfiniteDuration();
  const NearDuplicatePolicy* const both[] = {&no_window, &defaults};
  std::printf("Default policy (area-only threshold %.2f, window %s)\n%s\n%s\n%s\n\n",
              defaults.min_similarity_same_area, Days(defaults.window).c_str(), kHeader,
              Row("default", EvaluatePairs(reports, defaults)).c_str(),
              Row("default without window", EvaluatePairs(reports, no_window)).c_str());

  std::printf("Area-only threshold (min_similarity_same_area), without / with the window\n%s\n",
              kHeader);
  for (double t : {0.06, 0.08, 0.10, 0.11, 0.12, 0.13, 0.14, 0.16, 0.20}) {
    for (const NearDuplicatePolicy* base : both) {
      NearDuplicatePolicy p = *base;
      p.min_similarity_same_area = t;
      std::printf("%s\n", Row(absl::StrFormat("%.2f, window %s", t, Days(p.window)),
                              EvaluatePairs(reports, p))
                              .c_str());
    }
  }
  std::printf("\nWindow at the default threshold\n%s\n", kHeader);
  for (int days : {7, 15, 30, 60, 90, 180}) {
    NearDuplicatePolicy p = defaults;
    p.window = absl::Hours(24 * days);
    std::printf("%s\n",
                Row(absl::StrFormat("window %d d", days), EvaluatePairs(reports, p)).c_str());
  }

  std::printf(
      "\nReplayed in time order through the buckets (EvaluateStream, 256 entries a "
      "bucket)\n%s\n",
      kHeader);
  for (absl::Duration window : {absl::Hours(24 * 15), absl::Hours(24 * 30), absl::Hours(24 * 60),
                                absl::InfiniteDuration()}) {
    NearDuplicatePolicy p = defaults;
    p.window = window;
    absl::StatusOr<PairCounts> stream = EvaluateStream(reports, p, 256);
    if (!stream.ok()) {
      std::fprintf(stderr, "%s\n", std::string(stream.status().message()).c_str());
      return 1;
    }
    std::printf("%s\n", Row(absl::StrFormat("replay, window %s", Days(window)), *stream).c_str());
  }

  // The text decision alone: the duplicate pairs the areas allow to merge.
  const auto same_district = [&](size_t i, size_t j) {
    return !reports[i].signature.area_code.empty() &&
           reports[i].signature.area_code == reports[j].signature.area_code;
  };
  const auto merged_by = [&](const NearDuplicatePolicy& p) {
    return [&](size_t i, size_t j) {
      return Decide(reports[j].signature, reports[i].signature, p).merge;
    };
  };
  std::printf(
      "\nPairs naming the same district (the areas allow a merge; text and time decide)\n"
      "%s\n%s\n%s\n",
      kHeader, Row("default", CountPairs(reports, merged_by(defaults), same_district)).c_str(),
      Row("default without window", CountPairs(reports, merged_by(no_window), same_district))
          .c_str());

  // Better areas: messages naming no district but A市 resolved to the city, which contains every
  // district (areas match when one contains the other).
  std::vector<LabelledReport> city = reports;
  for (LabelledReport& r : city) {
    if (r.signature.area_code.empty() &&
        (absl::StrContains(r.title, "A市") || absl::StrContains(r.text, "A市"))) {
      r.signature.area_code = "A";
    }
  }
  std::printf("\nMessages naming only the city resolved to it (area \"A\")\n%s\n%s\n%s\n", kHeader,
              Row("default", EvaluatePairs(city, defaults)).c_str(),
              Row("default without window", EvaluatePairs(city, no_window)).c_str());

  // Nearby threshold: pairs naming one place, text alone.
  std::vector<std::set<int>> places(reports.size());
  for (size_t i = 0; i < reports.size(); ++i) {
    for (int k = 0; k < static_cast<int>(std::size(kPlaces)); ++k) {
      if (absl::StrContains(reports[i].title, kPlaces[k]) ||
          absl::StrContains(reports[i].text, kPlaces[k])) {
        places[i].insert(k);
      }
    }
  }
  const auto same_place = [&](size_t i, size_t j) {
    for (int k : places[i]) {
      if (places[j].contains(k)) return true;
    }
    return false;
  };
  std::printf(
      "\nNearby threshold (min_similarity_nearby): TextSimilarity on the pairs that name "
      "one place\n%s\n",
      kHeader);
  for (double t : {0.04, 0.06, 0.07, 0.08, 0.09, 0.10, 0.12}) {
    std::printf("%s\n", Row(absl::StrFormat("similarity >= %.2f", t),
                            CountPairs(
                                reports,
                                [&](size_t i, size_t j) {
                                  return TextSimilarity(reports[i].signature.text,
                                                        reports[j].signature.text) >= t;
                                },
                                same_place))
                            .c_str());
  }

  // SimHash over the same shingles, for comparison: districts as in the default policy.
  std::vector<uint64_t> simhashes;
  for (const LabelledReport& r : reports) simhashes.push_back(SimHash(r.signature.text));
  const auto area_ok = [&](size_t i, size_t j) {
    const std::string& a = reports[i].signature.area_code;
    const std::string& b = reports[j].signature.area_code;
    return !a.empty() && !b.empty() && (absl::StartsWith(a, b) || absl::StartsWith(b, a));
  };
  std::printf(
      "\n64-bit SimHash of the same shingles instead of the MinHash estimate (no window)\n"
      "%s\n",
      kHeader);
  for (int bits : {40, 42, 44, 46, 48}) {
    std::printf("%s\n", Row(absl::StrFormat("simhash, >= %d of 64 bits equal", bits),
                            CountPairs(
                                reports,
                                [&](size_t i, size_t j) {
                                  return area_ok(i, j) &&
                                         64 - std::popcount(simhashes[i] ^ simhashes[j]) >= bits;
                                },
                                every))
                            .c_str());
  }

  std::printf(
      "\nFalse merges of the default policy without window (id group, id group: "
      "similarity)\n");
  for (size_t i = 0; i < reports.size(); ++i) {
    for (size_t j = i + 1; j < reports.size(); ++j) {
      if (reports[i].group == reports[j].group) continue;
      const MergeDecision d = Decide(reports[j].signature, reports[i].signature, no_window);
      if (d.merge) {
        std::printf("%s %s, %s %s: %.2f\n", reports[i].id.c_str(), reports[i].group.c_str(),
                    reports[j].id.c_str(), reports[j].group.c_str(), d.text_similarity);
      }
    }
  }

  // Throughput.
  size_t bytes = 0;
  for (const LabelledReport& r : reports) bytes += r.title.size() + r.text.size();
  const int rounds = 20;
  auto start = std::chrono::steady_clock::now();
  size_t shingles = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const LabelledReport& r : reports) shingles += SignText(r.title, r.text).shingles.size();
  }
  const double sign_s = Seconds(std::chrono::steady_clock::now() - start);
  start = std::chrono::steady_clock::now();
  int64_t pairs = 0, merges = 0;
  for (size_t i = 0; i < reports.size(); ++i) {
    for (size_t j = i + 1; j < reports.size(); ++j, ++pairs) {
      merges += Decide(reports[j].signature, reports[i].signature, defaults).merge;
    }
  }
  const double decide_s = Seconds(std::chrono::steady_clock::now() - start);
  start = std::chrono::steady_clock::now();
  double total = 0;
  for (size_t i = 0; i < reports.size(); ++i) {
    for (size_t j = i + 1; j < reports.size(); ++j) {
      total += TextSimilarity(reports[i].signature.text, reports[j].signature.text);
    }
  }
  const double similarity_s = Seconds(std::chrono::steady_clock::now() - start);
  std::printf(
      "\nThroughput (one core)\n"
      "SignText: %.0f messages/s (%.1f MB/s of UTF-8, mean %zu bytes, %zu shingles)\n"
      "Decide: %.2f million pairs/s over all fixture pairs (%lld merged)\n"
      "TextSimilarity: %.2f million pairs/s (mean similarity %.4f)\n",
      rounds * reports.size() / sign_s, rounds * bytes / sign_s / 1e6, bytes / reports.size(),
      shingles / (rounds * reports.size()), pairs / decide_s / 1e6, static_cast<long long>(merges),
      pairs / similarity_s / 1e6, total / pairs);
  return 0;
}

}  // namespace
}  // namespace minsheng::processors

int main(int argc, char** argv) { return minsheng::processors::Run(argc, argv); }
