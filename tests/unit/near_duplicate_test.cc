#include "processors/dedup/near_duplicate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "ingest/text_normalizer.h"
#include "processors/dedup/deployed_signatures.h"
#include "processors/dedup/merge_evaluation.h"
#include "processors/dispatcher.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::processors {
namespace {

const std::string kFixture =
    std::string(MINSHENG_SOURCE_DIR) + "/tests/fixtures/duplicate-groups.tsv";
const std::string kMessages = std::string(MINSHENG_SOURCE_DIR) + "/../shared/data/messages.jsonl";

const absl::Time kNoon =
    absl::FromCivil(absl::CivilSecond(2025, 3, 1, 12, 0, 0), absl::UTCTimeZone());

// The point `north` meters north and `east` meters east of (lat, lon) (exact enough here).
std::pair<double, double> Offset(double lat, double lon, double north, double east) {
  constexpr double kMetersPerDegree = 6371008.8 * 3.14159265358979323846 / 180;
  const double new_lat = lat + north / kMetersPerDegree;
  double new_lon =
      lon + east / (kMetersPerDegree * std::cos(new_lat * 3.14159265358979323846 / 180));
  if (new_lon >= 180) new_lon -= 360;
  if (new_lon < -180) new_lon += 360;
  return {new_lat, new_lon};
}

// A signature of `n` shingles starting at `from` (consecutive hashes).
TextSignature Shingles(uint32_t from, uint32_t n) {
  TextSignature s;
  s.shingles.resize(n);
  std::iota(s.shingles.begin(), s.shingles.end(), from);
  return s;
}

// Two citizen reports of family A at one spot in one street, a day apart, in similar words.
struct Pair {
  ReportSignature report, open_case;
};
Pair SimilarReports() {
  Pair p;
  p.open_case = {
      .case_id = "MS-1",
      .family = "A",
      .category_code = "A4",
      .has_location = true,
      .lat = 28.2,
      .lon = 112.9,
      .area_code = "430102001",
      .reported_at = kNoon,
      .text = SignText("小区门口垃圾箱没盖", "小区门口垃圾箱没盖，垃圾两天没人清运，苍蝇乱飞。")};
  p.report = p.open_case;
  p.report.case_id = "";
  p.report.reported_at = kNoon + absl::Hours(24);
  p.report.text = SignText("垃圾箱没盖子", "门口垃圾箱盖子没了，垃圾两天没清运");
  return p;
}

// ---- Text ---------------------------------------------------------------------------------

TEST(SignTextTest, RewordedComplaintsAreMoreSimilarThanUnrelatedOnes) {
  const TextSignature a =
      SignText("丽江小区旁建搅拌站噪音扰民", "小区旁边新建搅拌站，晚上机器轰鸣，粉尘很大。");
  const TextSignature b =
      SignText("投诉丽江小区附近搅拌站", "丽江小区附近的搅拌站整夜噪音，灰尘满天飞。");
  const TextSignature c = SignText("建议增开公交线路", "上下班高峰公交车太挤，希望增加班次。");
  EXPECT_GT(TextSimilarity(a, b), 0.2);
  EXPECT_LT(TextSimilarity(a, c), 0.05);
  EXPECT_DOUBLE_EQ(TextSimilarity(a, b), TextSimilarity(b, a));
  EXPECT_DOUBLE_EQ(TextSimilarity(a, a), 1);
}

TEST(SignTextTest, IgnoresPunctuationWidthCaseAndFunctionWords) {
  EXPECT_EQ(SignText("", "ＡＢＣ１２３ 路灯坏了"), SignText("", "abc123，路灯坏了！"));
  EXPECT_EQ(SignText("", "路灯的坏了"), SignText("", "路灯"));  // 灯的, 的坏, 坏了 carry nothing
  EXPECT_TRUE(SignText("", "我们的，你们！").empty());
  EXPECT_TRUE(SignText("", "").empty());
  EXPECT_EQ(TextSimilarity(SignText("", ""), SignText("", "路灯坏了")), 0);
}

TEST(SignTextTest, TitleWeighsMoreThanText) {
  const TextSignature title = SignText("路灯", "");
  const TextSignature text = SignText("", "路灯");
  EXPECT_EQ(title.shingles.size(), 2 * text.shingles.size());
  EXPECT_NE(title, text);
}

TEST(SignTextTest, InvalidUtf8SeparatesWords) {
  const TextSignature s = SignText("", std::string("路灯\xff\xfe坏了\xe8"));
  EXPECT_EQ(s, SignText("", "路灯 坏了"));
}

TEST(SignTextTest, KeepsTheSmallestHashesOfLongTexts) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += static_cast<char>('a' + i % 26) + std::to_string(i) + " ";
  const TextSignature s = SignText("", text);
  ASSERT_EQ(s.shingles.size(), kTextSignatureSize);
  EXPECT_TRUE(std::is_sorted(s.shingles.begin(), s.shingles.end()));
  EXPECT_EQ(std::set<uint32_t>(s.shingles.begin(), s.shingles.end()).size(), kTextSignatureSize);
}

TEST(TextSimilarityTest, IsTheJaccardSimilarityOfSmallSets) {
  EXPECT_DOUBLE_EQ(TextSimilarity(Shingles(1, 4), Shingles(3, 4)), 2.0 / 6);
  EXPECT_DOUBLE_EQ(TextSimilarity(Shingles(1, 4), Shingles(10, 4)), 0);
}

TEST(TextSimilarityTest, EstimatesTheJaccardSimilarityOfLargeSets) {
  // Two sets of 2,000 random hashes sharing 1,000: Jaccard 1/3, estimated from 256 samples.
  std::mt19937 random(7);
  std::set<uint32_t> shared, only_a, only_b;
  while (shared.size() < 1000) shared.insert(random());
  while (only_a.size() < 1000) only_a.insert(random());
  while (only_b.size() < 1000) only_b.insert(random());
  const auto bottom = [](std::set<uint32_t> a, const std::set<uint32_t>& b) {
    a.insert(b.begin(), b.end());
    TextSignature s;
    for (uint32_t h : a) {
      if (s.shingles.size() == kTextSignatureSize) break;
      s.shingles.push_back(h);
    }
    return s;
  };
  EXPECT_NEAR(TextSimilarity(bottom(shared, only_a), bottom(shared, only_b)), 1.0 / 3, 0.1);
}

// ---- Place --------------------------------------------------------------------------------

TEST(DistanceMetersTest, KnownDistances) {
  EXPECT_NEAR(DistanceMeters(0, 0, 1, 0), 111195, 1);
  EXPECT_NEAR(DistanceMeters(0, 179.5, 0, -179.5), 111195, 1);
  EXPECT_NEAR(DistanceMeters(60, 10, 60, 11), 111195 / 2.0, 10);
  EXPECT_NEAR(DistanceMeters(0, 0, 0, 180), 20015114, 1);  // half the equator
  EXPECT_EQ(DistanceMeters(28.2, 112.9, 28.2, 112.9), 0);
  EXPECT_DOUBLE_EQ(DistanceMeters(28.2, 112.9, 28.3, 113), DistanceMeters(28.3, 113, 28.2, 112.9));
}

// ---- Decide -------------------------------------------------------------------------------

TEST(MergeDecisionTest, SimilarReportAtTheSameSpotJoins) {
  const Pair p = SimilarReports();
  const MergeDecision d = Decide(p.report, p.open_case, NearDuplicatePolicy());
  EXPECT_TRUE(d.merge) << d.reason;
  EXPECT_EQ(d.distance_m, 0);
  EXPECT_GT(d.text_similarity, 0.2);
  EXPECT_TRUE(absl::StartsWith(d.reason, "same family A, 0 m apart, text similarity")) << d.reason;
}

TEST(MergeDecisionTest, DifferentFamilyNeverJoins) {
  Pair p = SimilarReports();
  p.report.family = "B";
  MergeDecision d = Decide(p.report, p.open_case, NearDuplicatePolicy());
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "different family: B vs A");
  p.report.family = "";
  d = Decide(p.report, p.open_case, NearDuplicatePolicy());
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "no category family");
}

TEST(MergeDecisionTest, WindowCountsFromTheCasesLatestReportBothWays) {
  Pair p = SimilarReports();
  NearDuplicatePolicy policy;
  policy.window = absl::Hours(24 * 30);
  p.report.reported_at = p.open_case.reported_at + absl::Hours(24 * 29);
  EXPECT_TRUE(Decide(p.report, p.open_case, policy).merge);
  p.report.reported_at = p.open_case.reported_at - absl::Hours(24 * 29);  // a late arrival
  EXPECT_TRUE(Decide(p.report, p.open_case, policy).merge);
  p.report.reported_at = p.open_case.reported_at + absl::Hours(24 * 31);
  const MergeDecision d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "31.0 days apart (window 30.0 days)");
  policy.window = absl::InfiniteDuration();
  EXPECT_TRUE(Decide(p.report, p.open_case, policy).merge);
}

TEST(MergeDecisionTest, LocatedReportsMustBeWithinTheCategoryRadius) {
  Pair p = SimilarReports();
  std::tie(p.report.lat, p.report.lon) = Offset(p.open_case.lat, p.open_case.lon, 200, 0);
  NearDuplicatePolicy policy;
  MergeDecision d = Decide(p.report, p.open_case, policy);
  EXPECT_TRUE(d.merge) << d.reason;
  EXPECT_NEAR(d.distance_m, 200, 0.5);
  std::tie(p.report.lat, p.report.lon) = Offset(p.open_case.lat, p.open_case.lon, 0, 300);
  d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "300 m apart (radius 250 m)");
  // A larger radius for either category applies to the pair; the areas do not matter.
  p.report.area_code = "430103";
  policy.radius_m_by_category["C2"] = 400;
  p.open_case.category_code = "C2";
  EXPECT_TRUE(Decide(p.report, p.open_case, policy).merge);
  EXPECT_EQ(policy.RadiusFor("A4", "C2"), 400);
  EXPECT_EQ(policy.RadiusFor("A4", "A5"), 250);
  policy.radius_m_by_category["A4"] = 100;
  EXPECT_EQ(policy.RadiusFor("A4", "A5"), 250);
  EXPECT_EQ(policy.MaxRadius(), 400);
}

TEST(MergeDecisionTest, WithoutLocationAreasMustBeEqualOrNested) {
  Pair p = SimilarReports();
  p.report.has_location = false;
  const NearDuplicatePolicy policy;
  MergeDecision d = Decide(p.report, p.open_case, policy);
  EXPECT_TRUE(d.merge) << d.reason;
  EXPECT_EQ(d.distance_m, -1);
  EXPECT_TRUE(absl::StartsWith(d.reason, "same family A, same area 430102001, text")) << d.reason;
  p.report.area_code = "430102";  // the district of the case's street
  d = Decide(p.report, p.open_case, policy);
  EXPECT_TRUE(d.merge) << d.reason;
  EXPECT_TRUE(absl::StrContains(d.reason, "area 430102001 inside 430102")) << d.reason;
  p.report.area_code = "430102002";  // another street
  d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "different areas: 430102002 vs 430102001");
  p.report.area_code = "";
  d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "no location and no area to compare");
}

TEST(MergeDecisionTest, UnusableCoordinatesCountAsNone) {
  Pair p = SimilarReports();
  p.report.lat = std::nan("");
  p.report.area_code = "430102002";
  const NearDuplicatePolicy policy;
  const MergeDecision d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "different areas: 430102002 vs 430102001");
  EXPECT_EQ(CandidateKeys(p.report, policy), std::vector<std::string>{"area:A:430102"});
  p.report.lon = 181;
  p.report.lat = 0;
  EXPECT_EQ(HomeKeys(p.report), std::vector<std::string>{"area:A:430102"});
}

TEST(MergeDecisionTest, TheLargerTheSharedPlaceTheMoreSimilarTheTextMustBe) {
  Pair p = SimilarReports();
  const NearDuplicatePolicy policy;
  // 15 shared of 185: similarity 0.081, enough within the radius, not for a street.
  p.open_case.text = Shingles(0, 100);
  p.report.text = Shingles(85, 100);
  ASSERT_GT(TextSimilarity(p.report.text, p.open_case.text), policy.min_similarity_nearby);
  ASSERT_LT(TextSimilarity(p.report.text, p.open_case.text), policy.min_similarity_same_street);
  EXPECT_TRUE(Decide(p.report, p.open_case, policy).merge);
  p.report.has_location = false;
  MergeDecision d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "same family A, same area 430102001, but text similarity 0.08 below 0.10");
  // 20 shared of 180: similarity 0.11, enough for a street, not when only a district is shared.
  p.report.text = Shingles(80, 100);
  ASSERT_GT(TextSimilarity(p.report.text, p.open_case.text), policy.min_similarity_same_street);
  ASSERT_LT(TextSimilarity(p.report.text, p.open_case.text), policy.min_similarity_same_district);
  EXPECT_TRUE(Decide(p.report, p.open_case, policy).merge);
  p.report.area_code = "430102003001";  // a community of another street
  EXPECT_FALSE(Decide(p.report, p.open_case, policy).merge);
  p.report.area_code = "430102001002";  // a community inside the case's street
  EXPECT_TRUE(Decide(p.report, p.open_case, policy).merge);
  p.report.area_code = "430102";  // only the district
  d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason,
            "same family A, area 430102001 inside 430102, but text similarity 0.11 below 0.12");
}

TEST(MergeDecisionTest, AnotherCategoryOfTheFamilyNeedsMoreSimilarWords) {
  Pair p = SimilarReports();
  const NearDuplicatePolicy policy;
  p.report.has_location = false;  // the areas decide: a shared street, 0.10
  p.open_case.text = Shingles(0, 100);
  p.report.text = Shingles(80, 100);  // similarity 0.11
  ASSERT_EQ(p.report.category_code, p.open_case.category_code);
  EXPECT_TRUE(Decide(p.report, p.open_case, policy).merge);
  p.report.category_code = p.open_case.category_code == "A1" ? "A2" : "A1";
  const MergeDecision d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "same family A, same area 430102001, but text similarity 0.11 below 0.18");
  p.report.text = Shingles(40, 100);  // 60 shared of 140: 0.43
  EXPECT_TRUE(Decide(p.report, p.open_case, policy).merge);
}

TEST(MergeDecisionTest, ReportsWithoutAnyPlaceJoinOnlyInNearlyTheSameWords) {
  Pair p = SimilarReports();
  p.report.has_location = p.open_case.has_location = false;
  p.report.area_code = p.open_case.area_code = "";
  // 30 shared of 170: similarity 0.18, above the district threshold, below the city-wide one.
  p.open_case.text = Shingles(0, 100);
  p.report.text = Shingles(70, 100);
  NearDuplicatePolicy policy;
  ASSERT_GT(TextSimilarity(p.report.text, p.open_case.text), policy.min_similarity_same_district);
  ASSERT_LT(TextSimilarity(p.report.text, p.open_case.text), policy.min_similarity_citywide);
  MergeDecision d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason,
            "same family A, neither located nor in an area, but text similarity 0.18 below 0.20");
  p.report.text = p.open_case.text;
  d = Decide(p.report, p.open_case, policy);
  EXPECT_TRUE(d.merge) << d.reason;
  EXPECT_EQ(d.reason, "same family A, neither located nor in an area, text similarity 1.00");
  // Only when neither has a place: an area on one side is no common ground.
  p.open_case.area_code = "430102001";
  d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "no location and no area to compare");
  p.open_case.area_code = "";
  // A few words can be anyone's complaint anywhere: the same short text does not join.
  p.report.text = p.open_case.text = SignText("", "油烟扰民");
  ASSERT_LT(p.report.text.shingles.size(), kMinShinglesCitywide);
  d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "no location and no area to compare");
  p.report.text = p.open_case.text = Shingles(0, kMinShinglesCitywide);
  EXPECT_TRUE(Decide(p.report, p.open_case, policy).merge);
  policy.min_similarity_citywide = 1.5;  // switched off
  EXPECT_FALSE(Decide(p.report, p.open_case, policy).merge);
}

TEST(MergeDecisionTest, SensorConditionJoinsCitizenReportAtTheSpotWithoutText) {
  Pair p = SimilarReports();
  p.open_case.from_sensor = true;
  p.open_case.text = TextSignature();
  std::tie(p.report.lat, p.report.lon) = Offset(p.open_case.lat, p.open_case.lon, 30, 0);
  const NearDuplicatePolicy policy;
  MergeDecision d = Decide(p.report, p.open_case, policy);
  EXPECT_TRUE(d.merge) << d.reason;
  EXPECT_EQ(d.reason,
            "same family A, 30 m apart, sensor condition of the same category A4 (text not "
            "compared)");
  EXPECT_TRUE(Decide(p.open_case, p.report, policy).merge);  // either side may be the sensor
  // Another problem of the family at the same spot is not what the sensor measures.
  ReportSignature other = p.report;
  other.category_code = "A6";
  d = Decide(other, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason,
            "same family A, 30 m apart, but a sensor condition of A4 joins only reports of that "
            "category");
  p.report.has_location = false;                             // same street, but no spot
  d = Decide(p.report, p.open_case, policy);
  EXPECT_FALSE(d.merge);
  EXPECT_EQ(d.reason, "a sensor condition joins only a located report within the radius");
}

TEST(MergeDecisionTest, TwoSensorConditionsNeverJoin) {
  Pair p = SimilarReports();
  p.report.from_sensor = p.open_case.from_sensor = true;
  const MergeDecision d = Decide(p.report, p.open_case, NearDuplicatePolicy());
  EXPECT_FALSE(d.merge);
  EXPECT_TRUE(absl::StartsWith(d.reason, "two sensor conditions")) << d.reason;
}

TEST(BestMatchTest, PrefersSimilarThenNearThenNew) {
  const Pair p = SimilarReports();
  const NearDuplicatePolicy policy;
  std::vector<ReportSignature> candidates(5, p.open_case);
  candidates[0].family = "B";  // would be best, but never joins
  candidates[0].text = p.report.text;
  candidates[1].text = Shingles(0, 10);  // does not join
  for (int i = 2; i < 5; ++i) candidates[i].case_id = "MS-" + std::to_string(i);
  std::tie(candidates[2].lat, candidates[2].lon) = Offset(p.open_case.lat, p.open_case.lon, 100, 0);
  std::tie(candidates[3].lat, candidates[3].lon) = Offset(p.open_case.lat, p.open_case.lon, 50, 0);
  candidates[4] = candidates[3];
  candidates[4].reported_at -= absl::Hours(1);
  EXPECT_EQ(BestMatch(p.report, candidates, policy), 3u);  // nearest, then newer than [4]
  candidates[2].text = p.report.text;                      // identical words beat distance
  EXPECT_EQ(BestMatch(p.report, candidates, policy), 2u);
  EXPECT_EQ(BestMatch(p.report, {candidates[0], candidates[1]}, policy), std::nullopt);
  EXPECT_EQ(BestMatch(p.report, {}, policy), std::nullopt);
}

// ---- Keys ---------------------------------------------------------------------------------

bool Contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

TEST(BucketKeysTest, CasesWithinTheRadiusAreInACandidateCell) {
  // Random points at every latitude, and cases up to the radius away in every direction: across
  // row and column borders, the antimeridian and near the poles.
  const NearDuplicatePolicy policy;
  std::mt19937 random(12345);
  std::uniform_real_distribution<double> lat(-89.99, 89.99), lon(-180, 180), unit(0, 1);
  size_t most_cells = 0;
  for (int i = 0; i < 20000; ++i) {
    ReportSignature report{
        .family = "A", .has_location = true, .lat = lat(random), .lon = lon(random)};
    if (i % 4 == 0) report.lat = 28 + unit(random);  // a city's latitudes, densely
    if (i % 4 == 1) report.lon = 180 - 0.01 * unit(random);
    ReportSignature open_case = report;
    const double angle = 2 * 3.14159265358979323846 * unit(random);
    const double distance = policy.radius_m * std::sqrt(unit(random));
    std::tie(open_case.lat, open_case.lon) =
        Offset(report.lat, report.lon, distance * std::cos(angle), distance * std::sin(angle));
    if (std::abs(open_case.lat) >= 90 ||
        DistanceMeters(report.lat, report.lon, open_case.lat, open_case.lon) > policy.radius_m) {
      continue;
    }
    const std::vector<std::string> candidates = CandidateKeys(report, policy);
    const std::vector<std::string> home = HomeKeys(open_case);
    ASSERT_EQ(home.size(), 1u);
    ASSERT_TRUE(Contains(candidates, home[0]))
        << report.lat << "," << report.lon << " -> " << open_case.lat << "," << open_case.lon;
    if (std::abs(report.lat) < 80) most_cells = std::max(most_cells, candidates.size());
  }
  EXPECT_LE(most_cells, 9u);
}

TEST(BucketKeysTest, NeighboursAcrossACellBorderFindEachOther) {
  // Two points 20 m apart on either side of the row border nearest 28.2 N.
  const NearDuplicatePolicy policy;
  const double row_height = 500 / (6371008.8 * 3.14159265358979323846 / 180);
  const double border = std::ceil((28.2 + 90) / row_height) * row_height - 90;
  ReportSignature south{.family = "A", .has_location = true, .lat = border - 0.0001, .lon = 112.9};
  ReportSignature north = south;
  north.lat = border + 0.0001;
  ASSERT_NE(HomeKeys(south), HomeKeys(north));
  EXPECT_TRUE(Contains(CandidateKeys(south, policy), HomeKeys(north)[0]));
  EXPECT_TRUE(Contains(CandidateKeys(north, policy), HomeKeys(south)[0]));
}

TEST(BucketKeysTest, FamiliesNeverShareABucketAndAreasShareTheirDistrict) {
  ReportSignature a{
      .family = "A", .has_location = true, .lat = 28.2, .lon = 112.9, .area_code = "430102001"};
  ReportSignature b = a;
  b.family = "B";
  const NearDuplicatePolicy policy;
  for (const std::string& key : CandidateKeys(a, policy)) {
    EXPECT_FALSE(Contains(CandidateKeys(b, policy), key)) << key;
  }
  EXPECT_EQ(HomeKeys(a).size(), 2u);
  ReportSignature district = a;
  district.has_location = false;
  district.area_code = "430102";
  EXPECT_EQ(CandidateKeys(district, policy), std::vector<std::string>{"area:A:430102"});
  EXPECT_TRUE(Contains(HomeKeys(a), "area:A:430102"));
  EXPECT_TRUE(HomeKeys(ReportSignature{.area_code = "430102"}).empty());  // no family
  EXPECT_TRUE(CandidateKeys(ReportSignature{.family = "A"}, policy).empty());
}

TEST(BucketKeysTest, ReportsWithoutAnyPlaceShareTheirFamilysCityWideBucket) {
  const NearDuplicatePolicy policy;
  const ReportSignature placeless{.family = "A", .text = Shingles(0, kMinShinglesCitywide)};
  EXPECT_EQ(HomeKeys(placeless), std::vector<std::string>{"city:A"});
  EXPECT_EQ(CandidateKeys(placeless, policy), std::vector<std::string>{"city:A"});
  ReportSignature other_family = placeless;
  other_family.family = "B";
  EXPECT_EQ(CandidateKeys(other_family, policy), std::vector<std::string>{"city:B"});
  // A location or an area is a place: such reports stay out of the city-wide bucket.
  ReportSignature located = placeless;
  located.has_location = true;
  located.lat = 28.2;
  located.lon = 112.9;
  EXPECT_FALSE(Contains(HomeKeys(located), "city:A"));
  EXPECT_FALSE(Contains(CandidateKeys(located, policy), "city:A"));
  ReportSignature in_area = placeless;
  in_area.area_code = "430102";
  EXPECT_EQ(HomeKeys(in_area), std::vector<std::string>{"area:A:430102"});
  // Unusable coordinates are no location.
  located.lat = std::nan("");
  EXPECT_EQ(HomeKeys(located), std::vector<std::string>{"city:A"});
  // Too few words to match city-wide: no bucket at all.
  ReportSignature short_text = placeless;
  short_text.text = Shingles(0, kMinShinglesCitywide - 1);
  EXPECT_TRUE(HomeKeys(short_text).empty());
  EXPECT_TRUE(CandidateKeys(short_text, policy).empty());
}

// ---- Buckets ------------------------------------------------------------------------------

std::vector<ReportSignature> SampleBucket() {
  const Pair p = SimilarReports();
  ReportSignature sensor{.case_id = "MS-传感器-2",
                         .family = "B",
                         .category_code = "B4",
                         .has_location = true,
                         .lat = -33.8688197,
                         .lon = 151.2092955,
                         .reported_at = absl::FromUnixMicros(-123456789),  // before 1970
                         .from_sensor = true};
  ReportSignature unlocated{.case_id = "MS-3",
                            .family = "CX",
                            .area_code = "430102",
                            .reported_at = kNoon + absl::Microseconds(1),
                            .text = Shingles(4294967295u - 255, 256)};
  return {p.open_case, sensor, unlocated};
}

void ExpectSame(const std::vector<ReportSignature>& a, const std::vector<ReportSignature>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].case_id, b[i].case_id);
    EXPECT_EQ(a[i].family, b[i].family);
    EXPECT_EQ(a[i].category_code, b[i].category_code);
    EXPECT_EQ(a[i].has_location, b[i].has_location);
    EXPECT_EQ(a[i].lat, b[i].lat);
    EXPECT_EQ(a[i].lon, b[i].lon);
    EXPECT_EQ(a[i].area_code, b[i].area_code);
    EXPECT_EQ(a[i].reported_at, b[i].reported_at);
    EXPECT_EQ(a[i].text, b[i].text);
    EXPECT_EQ(a[i].from_sensor, b[i].from_sensor);
  }
}

TEST(BucketBytesTest, EncodeDecodeRoundTrip) {
  const std::vector<ReportSignature> entries = SampleBucket();
  const std::string bytes = EncodeBucket(entries);
  absl::StatusOr<std::vector<ReportSignature>> decoded = DecodeBucket(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ExpectSame(*decoded, entries);
  // About 4 bytes a shingle and a few dozen for the rest.
  EXPECT_LT(bytes.size(), 4 * (entries[0].text.shingles.size() + 256) + 200);
  decoded = DecodeBucket(EncodeBucket({}));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(decoded->empty());
}

TEST(BucketBytesTest, GarbageIsAnErrorNeverACrash) {
  const std::string bytes = EncodeBucket(SampleBucket());
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<std::vector<ReportSignature>> d = DecodeBucket(bytes.substr(0, n));
    ASSERT_FALSE(d.ok()) << "prefix of " << n << " bytes";
    EXPECT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  }
  EXPECT_FALSE(DecodeBucket(bytes + "x").ok());
  std::string other_version = bytes;
  other_version[0] = 2;
  EXPECT_TRUE(absl::StrContains(DecodeBucket(other_version).status().message(), "unknown version"));
  EXPECT_FALSE(DecodeBucket(std::string("\x01\xff\xff\xff\xff\x0f", 6)).ok());  // 2^32 entries
  // Every byte flipped, and random bytes: each decodes or fails, and what decodes re-encodes.
  std::mt19937 random(99);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ (1 + random() % 255));
    absl::StatusOr<std::vector<ReportSignature>> d = DecodeBucket(flipped);
    if (d.ok()) {
      EXPECT_TRUE(DecodeBucket(EncodeBucket(*d)).ok());
    }
  }
  for (int i = 0; i < 2000; ++i) {
    std::string junk(random() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(random());
    if (i % 2 == 0 && !junk.empty()) junk[0] = 1;  // get past the version byte
    (void)DecodeBucket(junk);
  }
}

TEST(BucketBytesTest, RejectsValuesEncodeNeverWrites) {
  std::vector<ReportSignature> entries = SampleBucket();
  entries.resize(1);
  std::string bytes = EncodeBucket(entries);
  // The shingles are the last 4 * n bytes; swap the first two.
  const size_t first = bytes.size() - 4 * entries[0].text.shingles.size();
  std::string unordered = bytes;
  std::swap_ranges(unordered.begin() + first, unordered.begin() + first + 4,
                   unordered.begin() + first + 4);
  EXPECT_TRUE(absl::StrContains(DecodeBucket(unordered).status().message(), "out of order"));
  entries[0].lat = 91;
  EXPECT_TRUE(absl::StrContains(DecodeBucket(EncodeBucket(entries)).status().message(),
                                "coordinate out of range"));
  entries[0].lat = std::nan("");
  EXPECT_FALSE(DecodeBucket(EncodeBucket(entries)).ok());
}

TEST(BucketBytesTest, PruneDropsExpiredAndSupersededAndKeepsTheNewest) {
  NearDuplicatePolicy policy;
  policy.window = absl::Hours(24 * 30);
  const auto day = [](int d) { return kNoon + absl::Hours(24 * d); };
  std::vector<ReportSignature> entries = {
      {.case_id = "MS-1", .reported_at = day(10)},
      {.case_id = "MS-2", .reported_at = day(12)},
      {.case_id = "MS-1", .reported_at = day(14)},  // stored again after a report joined it
      {.case_id = "MS-3", .reported_at = day(1)},   // older than the window at day 40
      {.case_id = "MS-4", .reported_at = day(11)}};
  PruneBucket(
      entries, day(40), [&](const ReportSignature&) { return policy.window; }, 100);
  std::vector<std::pair<std::string, absl::Time>> kept;
  for (const ReportSignature& e : entries) kept.emplace_back(e.case_id, e.reported_at);
  EXPECT_EQ(kept, (std::vector<std::pair<std::string, absl::Time>>{
                      {"MS-1", day(14)}, {"MS-2", day(12)}, {"MS-4", day(11)}}));
  PruneBucket(
      entries, day(40), [&](const ReportSignature&) { return policy.window; }, 2);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].case_id, "MS-2");
}

TEST(BucketTest, EachEntryAgesByItsOwnCategorysWindow) {
  const auto day = [](int d) { return kNoon + absl::Hours(24 * d); };
  // A1 stays open 7 days, A3 30 (as in the shipped taxonomy); one bucket holds family A.
  std::vector<ReportSignature> entries = {
      {.case_id = "MS-A3", .category_code = "A3", .reported_at = day(1)},
      {.case_id = "MS-A1", .category_code = "A1", .reported_at = day(1)}};
  PruneBucket(
      entries, day(10),
      [&](const ReportSignature& e) {
        return absl::Hours(24) * (e.category_code == "A1" ? 7 : 30);
      },
      64);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].case_id, "MS-A3");
}

// ---- Evaluation ---------------------------------------------------------------------------

// A report of `group` at noon on day `day`, of category `category`, in the same street as the
// others, in the words of `words` (reports with equal words are copies).
LabelledReport Labelled(const std::string& id, const std::string& group, int day,
                        const std::string& category, uint32_t words) {
  LabelledReport r{.id = id, .group = group};
  r.signature = {.case_id = id,
                 .family = "A",
                 .category_code = category,
                 .area_code = "430102001",
                 .reported_at = kNoon + absl::Hours(24 * day),
                 .text = Shingles(1000 * words, 100)};
  return r;
}

TEST(EvaluateStreamTest, CountsTheCasesMadeAndEachReportsJoin) {
  const std::vector<LabelledReport> reports = {
      Labelled("1", "lamp", 0, "A4", 1),
      Labelled("2", "lamp", 1, "A4", 1),     // joins its group's case
      Labelled("3", "bins", 2, "A4", 1),     // joins the lamp case: wrong
      Labelled("4", "lamp", 40, "A4", 1),    // the lamp case has been quiet for 38 days
      Labelled("5", "noise", 41, "A4", 2)};  // a new problem
  absl::StatusOr<ReplayCounts> replay = EvaluateStream(reports, NearDuplicatePolicy(), 64);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->joins.right_joins, 1);
  EXPECT_EQ(replay->joins.wrong_joins, 1);
  EXPECT_EQ(replay->joins.joinable, 1);  // report 2; report 4 came after the window
  EXPECT_DOUBLE_EQ(replay->joins.precision(), 0.5);
  EXPECT_DOUBLE_EQ(replay->joins.recall(), 1);
  // Cases {1, 2, 3}, {4}, {5}: pair 1-2 right, 1-3 and 2-3 wrong, 1-4 and 2-4 missed.
  EXPECT_EQ(replay->pairs.true_merges, 1);
  EXPECT_EQ(replay->pairs.false_merges, 2);
  EXPECT_EQ(replay->pairs.missed_merges, 2);
  EXPECT_EQ(replay->pairs.true_separations, 5);  // of 10 pairs
}

TEST(EvaluateStreamTest, MatchesEachReportWithItsCategorysPolicy) {
  // Two copies 10 days apart: they join unless the later one's category has a 7-day window.
  const auto policy_of = [](const ReportSignature& report) {
    NearDuplicatePolicy policy;
    if (report.category_code == "A1") policy.window = absl::Hours(24 * 7);
    return policy;
  };
  std::vector<LabelledReport> reports = {Labelled("1", "stall", 0, "A4", 1),
                                         Labelled("2", "stall", 10, "A4", 1)};
  absl::StatusOr<ReplayCounts> replay = EvaluateStream(reports, policy_of, 64);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->pairs.true_merges, 1);
  EXPECT_EQ(EvaluatePairs(reports, policy_of).true_merges, 1);
  reports[1].signature.category_code = "A1";
  replay = EvaluateStream(reports, policy_of, 64);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->pairs.missed_merges, 1);
  EXPECT_EQ(replay->joins.joinable, 0);
  EXPECT_EQ(EvaluatePairs(reports, policy_of).missed_merges, 1);
  // Pairwise, the later report asks with its policy whichever is listed first.
  std::swap(reports[0], reports[1]);
  EXPECT_EQ(LaterReport(reports, 0, 1), 0u);
  EXPECT_EQ(EvaluatePairs(reports, policy_of).missed_merges, 1);
}

// ---- The labelled real duplicates ---------------------------------------------------------

class DuplicateFixtureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::vector<LabelledReport>> loaded =
        LoadMessageBoardFixture(kFixture, kMessages);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    reports_ = new std::vector<LabelledReport>(*std::move(loaded));
  }
  static void TearDownTestSuite() {
    delete reports_;
    reports_ = nullptr;
  }
  static std::vector<LabelledReport>* reports_;
};
std::vector<LabelledReport>* DuplicateFixtureTest::reports_ = nullptr;

TEST_F(DuplicateFixtureTest, HasEnoughGroupsAndHardNegatives) {
  ASSERT_NE(reports_, nullptr);
  std::map<std::string, int> sizes;
  for (const LabelledReport& r : *reports_) ++sizes[r.group];
  int groups = 0, grouped = 0, singletons = 0;
  for (const auto& [group, size] : sizes) {
    if (size > 1) {
      ++groups, grouped += size;
    } else {
      ++singletons;
    }
  }
  EXPECT_GE(groups, 20);
  EXPECT_GE(grouped, 120);
  EXPECT_GE(singletons, 150);
}

// Measured with bench/dedup_eval (bench/README.md, "in isolation": one family, the district a
// message names); a change that makes the decision worse fails here.
TEST_F(DuplicateFixtureTest, MergeDecisionKeepsItsPrecisionAndRecall) {
  ASSERT_NE(reports_, nullptr);
  const NearDuplicatePolicy defaults;
  const PairCounts with_window = EvaluatePairs(*reports_, defaults);
  EXPECT_GE(with_window.precision(), 0.96);  // measured 0.988
  EXPECT_GE(with_window.recall(), 0.14);     // measured 0.156
  NearDuplicatePolicy no_window = defaults;
  no_window.window = absl::InfiniteDuration();
  const PairCounts without = EvaluatePairs(*reports_, no_window);
  EXPECT_GE(without.precision(), 0.94);  // measured 0.968
  EXPECT_GE(without.recall(), 0.21);     // measured 0.231
  absl::StatusOr<ReplayCounts> replay = EvaluateStream(*reports_, defaults, 256);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_GE(replay->pairs.precision(), 0.95);  // measured 0.983
  EXPECT_GE(replay->pairs.recall(), 0.15);     // measured 0.165
}

// The fixture as `minsheng serve` sees it: classified, located and signed by the Dispatcher with
// the shipped deploy/ files (classifier model, taxonomy, gazetteer).
class DeployedFixtureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::vector<LabelledReport>> loaded =
        LoadMessageBoardFixture(kFixture, kMessages);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    absl::StatusOr<std::unique_ptr<Dispatcher>> dispatcher =
        Dispatcher::Create(ShippedDispatchFiles(std::string(MINSHENG_SOURCE_DIR) + "/deploy"));
    ASSERT_TRUE(dispatcher.ok()) << dispatcher.status();
    absl::StatusOr<std::unique_ptr<ingest::TextNormalizer>> normalizer =
        ingest::TextNormalizer::Create();
    ASSERT_TRUE(normalizer.ok()) << normalizer.status();
    SignAsDeployed(**dispatcher, **normalizer, *loaded);
    reports_ = new std::vector<LabelledReport>(*std::move(loaded));
    dispatcher_ = dispatcher->release();
  }
  static void TearDownTestSuite() {
    delete reports_;
    delete dispatcher_;
    reports_ = nullptr;
    dispatcher_ = nullptr;
  }
  // Each report's policy is its category's, as CaseBook matches it.
  static NearDuplicatePolicy PolicyOf(const ReportSignature& report) {
    return dispatcher_->MergePolicy(report.category_code);
  }
  static std::vector<LabelledReport>* reports_;
  static Dispatcher* dispatcher_;
};
std::vector<LabelledReport>* DeployedFixtureTest::reports_ = nullptr;
Dispatcher* DeployedFixtureTest::dispatcher_ = nullptr;

TEST_F(DeployedFixtureTest, GazetteerPlacesMostMessagesAndTheClassifierFilesThem) {
  ASSERT_NE(reports_, nullptr);
  int placed = 0, classified = 0;
  for (const LabelledReport& r : *reports_) {
    placed += !r.signature.area_code.empty();
    classified += !r.signature.family.empty();
    EXPECT_EQ(r.signature.case_id, r.id);
    EXPECT_FALSE(r.signature.text.empty());
  }
  EXPECT_GE(placed, 630);      // measured 639 of 675
  EXPECT_GE(classified, 600);  // measured 675 (619 by the taxonomy's keywords alone)
}

// Measured with bench/dedup_eval (bench/README.md); a change that makes matching as deployed worse
// (the merge decision, the gazetteer, the classifier's families) fails here. The margins leave
// room for a retrained model; the family-agnostic part does not depend on it.
TEST_F(DeployedFixtureTest, MergeDecisionAsDeployedKeepsItsPrecisionAndRecall) {
  ASSERT_NE(reports_, nullptr);
  // CaseBook keeps 64 open cases a bucket.
  absl::StatusOr<ReplayCounts> replay = EvaluateStream(*reports_, PolicyOf, 64);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_GE(replay->pairs.precision(), 0.97);  // measured 0.996
  EXPECT_GE(replay->pairs.recall(), 0.45);     // measured 0.538
  EXPECT_GE(replay->joins.precision(), 0.95);  // measured 0.974
  EXPECT_GE(replay->joins.recall(), 0.80);     // measured 0.869
  const PairCounts pairs = EvaluatePairs(*reports_, PolicyOf);
  EXPECT_GE(pairs.precision(), 0.97);  // measured 0.997
  EXPECT_GE(pairs.recall(), 0.45);     // measured 0.548
  // Without the classifier's families: what the areas and words alone merge.
  std::vector<LabelledReport> one_family = *reports_;
  for (LabelledReport& r : one_family) r.signature.family = kFixtureFamily;
  replay = EvaluateStream(one_family, PolicyOf, 64);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_GE(replay->pairs.precision(), 0.98);  // measured 0.993
  EXPECT_GE(replay->pairs.recall(), 0.48);     // measured 0.536
  EXPECT_GE(replay->joins.precision(), 0.94);  // measured 0.963
  EXPECT_GE(replay->joins.recall(), 0.82);     // measured 0.859
}

TEST(DuplicateFixtureLoadTest, ReportsMalformedLabels) {
  testing::TempDir dir;
  const auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir.path() + "/" + name) << content;
    return dir.path() + "/" + name;
  };
  const std::string messages = write(
      "m.jsonl",
      R"({"id": "1", "title": "A3区路灯坏了", "text": "小区门口路灯坏了", "time": "2019/2/28 11:25:05"})"
      "\n"
      R"({"id": "2", "title": "路灯", "text": "A7县某路路灯不亮", "time": "43782.5"})"
      "\n");
  absl::StatusOr<std::vector<LabelledReport>> ok = LoadMessageBoardFixture(
      write("ok.tsv", "id\tgroup\tnote\n1\tlamp\t路灯\n2\tsingle-2\t\n"), messages);
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].signature.area_code, "A3");
  EXPECT_EQ((*ok)[1].signature.area_code, "A7");
  EXPECT_EQ((*ok)[0].signature.reported_at,
            absl::FromCivil(absl::CivilSecond(2019, 2, 28, 3, 25, 5), absl::UTCTimeZone()));
  EXPECT_EQ((*ok)[1].signature.reported_at,
            absl::FromCivil(absl::CivilSecond(2019, 11, 13, 4, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ((*ok)[0].group, "lamp");
  EXPECT_FALSE((*ok)[0].signature.text.empty());

  EXPECT_FALSE(LoadMessageBoardFixture(write("h.tsv", "id\tgroup\n1\tlamp\n"), messages).ok());
  absl::StatusOr<std::vector<LabelledReport>> unknown =
      LoadMessageBoardFixture(write("u.tsv", "id\tgroup\tnote\n3\tx\t\n"), messages);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<LabelledReport>> twice =
      LoadMessageBoardFixture(write("t.tsv", "id\tgroup\tnote\n1\tx\t\n1\ty\t\n"), messages);
  EXPECT_TRUE(absl::StrContains(twice.status().message(), "t.tsv:3")) << twice.status();
  EXPECT_EQ(LoadMessageBoardFixture(dir.path() + "/none.tsv", messages).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace minsheng::processors
