// Measures near-duplicate matching (processors/dedup) on the labelled real message-board
// duplicates (tests/fixtures/duplicate-groups.tsv). First as deployed: each message classified,
// located and signed by the Dispatcher with the shipped deploy/ files (classifier model, taxonomy,
// gazetteer) and matched with its category's policy, replayed in time order through the buckets
// as CaseBook does, and pairwise; with the curves behind the text thresholds. Then the decision in
// isolation (one family, the district a message names), the time window, SimHash for comparison,
// and the throughput of SignText and Decide. Results are in bench/README.md.
//
//   build/bin/dedup_eval [--labels tests/fixtures/duplicate-groups.tsv]
//                        [--messages ../shared/data/messages.jsonl] [--deploy deploy]
//                        [--classifier-model FILE]   (default: the deploy directory's; "none":
//                                                     the taxonomy's keywords only)

#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "ingest/text_normalizer.h"
#include "processors/dedup/deployed_signatures.h"
#include "processors/dedup/merge_evaluation.h"
#include "processors/dedup/near_duplicate.h"
#include "processors/dispatcher.h"

namespace minsheng::processors {
namespace {

// Open cases CaseBook keeps in one bucket.
constexpr size_t kBucketEntries = 64;

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

// The fixture as `minsheng serve` signs it, and the policy it matches each report with.
struct Deployment {
  std::unique_ptr<Dispatcher> dispatcher;
  std::vector<LabelledReport> reports;

  // The report's category's policy (Dispatcher::MergePolicy), changed by `adjust`.
  NearDuplicatePolicy PolicyOf(const ReportSignature& report,
                               const std::function<void(NearDuplicatePolicy&)>& adjust) const {
    NearDuplicatePolicy policy = dispatcher->MergePolicy(report.category_code);
    if (adjust) adjust(policy);
    return policy;
  }
};

absl::StatusOr<Deployment> Deploy(const DispatchFiles& files,
                                  const std::vector<LabelledReport>& reports) {
  Deployment d;
  absl::StatusOr<std::unique_ptr<Dispatcher>> dispatcher = Dispatcher::Create(files);
  if (!dispatcher.ok()) return dispatcher.status();
  d.dispatcher = *std::move(dispatcher);
  absl::StatusOr<std::unique_ptr<ingest::TextNormalizer>> normalizer =
      ingest::TextNormalizer::Create();
  if (!normalizer.ok()) return normalizer.status();
  d.reports = reports;
  SignAsDeployed(*d.dispatcher, **normalizer, d.reports);
  return d;
}

constexpr char kDeployedHeader[] =
    "| setting | replay: pair precision | pair recall | pair F1 | join precision | join recall "
    "| all pairs: precision | recall | F1 |\n"
    "|---|---|---|---|---|---|---|---|---|";

// One row of kDeployedHeader: `reports` replayed through the buckets (the cases made, and each
// report's join), and every pair asked.
std::string DeployedRow(const std::string& label, const std::vector<LabelledReport>& reports,
                        PolicyOf policy_of) {
  const absl::StatusOr<ReplayCounts> replay = EvaluateStream(reports, policy_of, kBucketEntries);
  if (!replay.ok()) {
    std::fprintf(stderr, "%s\n", std::string(replay.status().message()).c_str());
    std::exit(1);
  }
  const PairCounts pairs = EvaluatePairs(reports, policy_of);
  return absl::StrFormat("| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |", label,
                         replay->pairs.precision(), replay->pairs.recall(), replay->pairs.f1(),
                         replay->joins.precision(), replay->joins.recall(), pairs.precision(),
                         pairs.recall(), pairs.f1());
}

// Whether two signatures' areas let them meet without coordinates: one inside the other, or
// neither has one (city-wide, if their texts are long enough).
bool AreasAllowMerge(const ReportSignature& a, const ReportSignature& b) {
  if (a.area_code.empty() || b.area_code.empty()) return a.area_code == b.area_code;
  return absl::StartsWith(a.area_code, b.area_code) || absl::StartsWith(b.area_code, a.area_code);
}

// How the Dispatcher signed the fixture: areas and families found, and how many duplicate pairs
// they leave mergeable at all.
void PrintDeployedSignatures(const std::vector<LabelledReport>& reports) {
  int by_level[4] = {}, placeless = 0, unclassified = 0;
  std::map<std::string, int> families;
  for (const LabelledReport& r : reports) {
    const size_t digits = r.signature.area_code.size();
    if (digits == 0) {
      ++placeless;
    } else {
      ++by_level[std::min<size_t>(digits / 3 - 2, 3)];
    }
    if (r.signature.family.empty()) ++unclassified;
    ++families[r.signature.family];
  }
  const auto count = [&](auto&& admit) {
    return CountPairs(
               reports, [](size_t, size_t) { return false; },
               [&](size_t i, size_t j) {
                 return reports[i].group == reports[j].group &&
                        admit(reports[i].signature, reports[j].signature);
               })
        .missed_merges;
  };
  const auto same_family = [](const ReportSignature& a, const ReportSignature& b) {
    return !a.family.empty() && a.family == b.family;
  };
  std::printf(
      "As deployed: the gazetteer places %zu of %zu messages (district %d, street %d, "
      "community %d), %d name no known place; the classifier files %zu under a category "
      "(%zu families), %d under none.\n"
      "Duplicate pairs whose areas allow a merge: %lld; of the same family: %lld; both: %lld.\n\n",
      reports.size() - placeless, reports.size(), by_level[0], by_level[1],
      by_level[2] + by_level[3], placeless, reports.size() - unclassified,
      families.size() - (unclassified > 0), unclassified,
      static_cast<long long>(count(AreasAllowMerge)), static_cast<long long>(count(same_family)),
      static_cast<long long>(count([&](const ReportSignature& a, const ReportSignature& b) {
        return same_family(a, b) && AreasAllowMerge(a, b);
      })));
}

// The pairs of different groups that merge, as EvaluatePairs asks them: "id group [category]
// area, id group [category] area: text similarity".
void PrintFalseMerges(const std::vector<LabelledReport>& reports, PolicyOf policy_of) {
  const auto describe = [](const LabelledReport& r) {
    return absl::StrFormat("%s %s %s%s", r.id, r.group,
                           r.signature.category_code.empty() ? "" : r.signature.category_code + " ",
                           r.signature.area_code.empty() ? "-" : r.signature.area_code);
  };
  for (size_t i = 0; i < reports.size(); ++i) {
    for (size_t j = i + 1; j < reports.size(); ++j) {
      if (reports[i].group == reports[j].group) continue;
      const size_t later = LaterReport(reports, i, j);
      const ReportSignature& report = reports[later].signature;
      const MergeDecision d = Decide(report, reports[i + j - later].signature, policy_of(report));
      if (d.merge) {
        std::printf("%s, %s: %.2f\n", describe(reports[i]).c_str(), describe(reports[j]).c_str(),
                    d.text_similarity);
      }
    }
  }
}

int RunDeployed(const std::vector<LabelledReport>& reports, const std::string& deploy,
                const std::string& model) {
  DispatchFiles files = ShippedDispatchFiles(deploy);
  if (!model.empty()) files.classifier_model = model;
  absl::StatusOr<Deployment> deployed = Deploy(files, reports);
  files.classifier_model = "none";
  absl::StatusOr<Deployment> keywords = Deploy(files, reports);
  if (!deployed.ok() || !keywords.ok()) {
    const absl::Status& s = deployed.ok() ? keywords.status() : deployed.status();
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  const Deployment& d = *deployed;
  PrintDeployedSignatures(d.reports);

  // The deployed policy, or it changed by `adjust`.
  const auto policy = [](const Deployment& on,
                         std::function<void(NearDuplicatePolicy&)> adjust = nullptr) {
    return [&on, adjust](const ReportSignature& r) { return on.PolicyOf(r, adjust); };
  };
  std::vector<LabelledReport> one_family = d.reports;
  for (LabelledReport& r : one_family) r.signature.family = kFixtureFamily;
  std::map<std::string, int> sizes;
  for (const LabelledReport& r : d.reports) ++sizes[r.group];
  const auto largest = std::max_element(sizes.begin(), sizes.end(),
                                        [](auto& a, auto& b) { return a.second < b.second; });
  std::vector<LabelledReport> without_largest;
  for (const LabelledReport& r : d.reports) {
    if (r.group != largest->first) without_largest.push_back(r);
  }
  std::printf(
      "As deployed: replayed in time order through the buckets (EvaluateStream, %zu entries a "
      "bucket, as CaseBook) and pairwise (EvaluatePairs); each report with its category's policy\n"
      "%s\n",
      kBucketEntries, kDeployedHeader);
  std::printf("%s\n", DeployedRow("as deployed", d.reports, policy(d)).c_str());
  std::printf("%s\n",
              DeployedRow("taxonomy keywords only (no model)", keywords->reports, policy(*keywords))
                  .c_str());
  std::printf("%s\n",
              DeployedRow("one family for all (family-agnostic)", one_family, policy(d)).c_str());
  std::printf("%s\n", DeployedRow(absl::StrFormat("without the largest group (%s, %d messages)",
                                                  largest->first, largest->second),
                                  without_largest, policy(d))
                          .c_str());

  // The curve of one threshold: as deployed, and with one family for all.
  const auto sweep = [&](const char* title, double NearDuplicatePolicy::*threshold,
                         std::initializer_list<double> values) {
    std::printf("\n%s\n%s\n", title, kDeployedHeader);
    for (const std::vector<LabelledReport>* reports : {&d.reports, &std::as_const(one_family)}) {
      for (double t : values) {
        std::printf(
            "%s\n",
            DeployedRow(absl::StrFormat("%s%s", t > 1 ? "off" : absl::StrFormat("%.2f", t),
                                        reports == &one_family ? ", one family" : ""),
                        *reports, policy(d, [=](NearDuplicatePolicy& p) { p.*threshold = t; }))
                .c_str());
      }
    }
  };
  sweep("Street threshold (min_similarity_same_street: no location, the areas share a street)",
        &NearDuplicatePolicy::min_similarity_same_street,
        {0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12, 0.14});
  // At scale a report meets every open case of its family in its street, not the few the fixture
  // has: the share of different problems in one street whose words reach the threshold is the
  // chance of a false join per such case.
  const auto one_street = [&](size_t i, size_t j) {
    const ReportSignature &a = d.reports[i].signature, &b = d.reports[j].signature;
    return std::min(a.area_code.size(), b.area_code.size()) > 6 && AreasAllowMerge(a, b);
  };
  std::printf(
      "\nPairs in one street: the share of different problems (false) and of duplicates (true) "
      "whose TextSimilarity reaches the threshold\n| threshold | false | true |\n|---|---|---|\n");
  for (double t : {0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12, 0.14}) {
    const PairCounts c = CountPairs(
        d.reports,
        [&](size_t i, size_t j) {
          return TextSimilarity(d.reports[i].signature.text, d.reports[j].signature.text) >= t;
        },
        one_street);
    std::printf("| %.2f | %.4f (%lld of %lld) | %.3f |\n", t,
                static_cast<double>(c.false_merges) / (c.false_merges + c.true_separations),
                static_cast<long long>(c.false_merges),
                static_cast<long long>(c.false_merges + c.true_separations), c.recall());
  }
  sweep(
      "District threshold (min_similarity_same_district: no location, the areas share only a "
      "district)",
      &NearDuplicatePolicy::min_similarity_same_district, {0.08, 0.10, 0.12, 0.14, 0.16});
  sweep("City-wide threshold (min_similarity_citywide: neither report located nor in an area)",
        &NearDuplicatePolicy::min_similarity_citywide, {0.12, 0.16, 0.20, 0.25, 0.30, 2.0});

  std::printf("\nFalse merges as deployed, pairwise\n");
  PrintFalseMerges(d.reports, policy(d));
  std::printf("\n");
  return 0;
}

int Run(int argc, char** argv) {
  std::string labels = "tests/fixtures/duplicate-groups.tsv";
  std::string messages = "../shared/data/messages.jsonl";
  std::string deploy = "deploy";
  std::string model;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--labels") {
      labels = argv[i + 1];
    } else if (flag == "--messages") {
      messages = argv[i + 1];
    } else if (flag == "--deploy") {
      deploy = argv[i + 1];
    } else if (flag == "--classifier-model") {
      model = argv[i + 1];
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

  if (const int failed = RunDeployed(reports, deploy, model); failed != 0) return failed;

  std::printf("In isolation: one family, no coordinates, the district a message names\n\n");
  const NearDuplicatePolicy defaults;
  NearDuplicatePolicy no_window = defaults;
  no_window.window = absl::InfiniteDuration();
  const NearDuplicatePolicy* const both[] = {&no_window, &defaults};
  std::printf("Default policy (area-only threshold %.2f, window %s)\n%s\n%s\n%s\n\n",
              defaults.min_similarity_same_district, Days(defaults.window).c_str(), kHeader,
              Row("default", EvaluatePairs(reports, defaults)).c_str(),
              Row("default without window", EvaluatePairs(reports, no_window)).c_str());

  std::printf("Area-only threshold (min_similarity_same_district), without / with the window\n%s\n",
              kHeader);
  for (double t : {0.06, 0.08, 0.10, 0.11, 0.12, 0.13, 0.14, 0.16, 0.20}) {
    for (const NearDuplicatePolicy* base : both) {
      NearDuplicatePolicy p = *base;
      p.min_similarity_same_district = t;
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
    absl::StatusOr<ReplayCounts> stream = EvaluateStream(reports, p, 256);
    if (!stream.ok()) {
      std::fprintf(stderr, "%s\n", std::string(stream.status().message()).c_str());
      return 1;
    }
    std::printf("%s\n",
                Row(absl::StrFormat("replay, window %s", Days(window)), stream->pairs).c_str());
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

  std::printf("\nFalse merges of the default policy without window\n");
  PrintFalseMerges(reports, [&](const ReportSignature&) { return no_window; });

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
