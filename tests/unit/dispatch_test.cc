// Dispatch (classify, locate, route, deadline, triage) and near-duplicate merging through the
// case book, with the shipped taxonomy, calendar and example city.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ingest/sensor/condition_rules.h"
#include "ingest/sensor/device_registry.h"
#include "processors/case_book.h"
#include "processors/dispatcher.h"
#include "processors/hotline_intake.h"
#include "processors/sensor_intake.h"
#include "tests/unit/stage_harness.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::processors {
namespace {

constexpr char kHotline[] = "minsheng.intake.hotline.v1";
const absl::TimeZone kChina = absl::FixedTimeZone(8 * 3600);

absl::Time Local(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), kChina);
}

absl::Time TimeOf(const google::protobuf::Timestamp& at) { return absl::FromUnixSeconds(at.seconds()); }

// A case as the hotline stage hands it to dispatch.
v1::Case Reported(const std::string& content, absl::Time received,
                  v1::Urgency urgency = v1::URGENCY_NORMAL) {
  v1::Case c;
  v1::Complaint& complaint = *c.mutable_complaint();
  complaint.set_channel(v1::CHANNEL_HOTLINE);
  complaint.set_content(content);
  complaint.set_urgency(urgency);
  complaint.mutable_received_at()->set_seconds(absl::ToUnixSeconds(received));
  return c;
}

TEST(DispatcherTest, RoutesToTheStreetOfficeAndCountsWorkingDaysAcrossNationalDay) {
  std::unique_ptr<Dispatcher> dispatcher = ShippedDispatcher("none");
  ASSERT_NE(dispatcher, nullptr);
  // Tuesday 30 September 2025 10:00; 1-8 October are holidays, Saturday 11 October is worked.
  v1::Case c = Reported("A5区洞井街道香樟路边的空地没人管，开发商和市政互相推", Local(2025, 9, 30, 10, 0));
  dispatcher->Classify(c, "H2");  // a category decided by the channel is taken as certain
  EXPECT_EQ(c.category_code(), "H2");
  EXPECT_EQ(c.category_confidence(), 1);
  EXPECT_EQ(c.area().district().code(), "430105");
  EXPECT_EQ(c.area().street().name(), "洞井街道");
  EXPECT_TRUE(absl::StartsWith(c.area().resolved_by(), "address text: ")) << c.area().resolved_by();
  dispatcher->Route(c);
  EXPECT_EQ(c.status(), v1::CASE_STATUS_DISPATCHED);
  // H2's lead is the placeholder jiedao: the office of the case's street (属地).
  EXPECT_EQ(c.lead_department(), "jiedao-430105003");
  EXPECT_EQ(c.lead_department_name(), "洞井街道办事处");
  EXPECT_TRUE(absl::StrContains(c.reason().routing_rule(), "属地")) << c.reason().routing_rule();
  EXPECT_EQ(c.reason().time_limit(), "5d");
  EXPECT_EQ(TimeOf(c.deadline()), Local(2025, 10, 14, 10, 0));
}

TEST(DispatcherTest, ReadsAreasSplitOverSeveralFiles) {
  // The shipped areas as a city might export them: districts in one file, the rest in another.
  const std::string deploy = std::string(MINSHENG_SOURCE_DIR) + "/deploy";
  std::ifstream in(deploy + "/city/areas.geojson");
  std::string districts, others;
  for (std::string line; std::getline(in, line);) {
    if (!absl::StrContains(line, "\"type\": \"Feature\"")) continue;
    if (line.back() == ',') line.pop_back();
    std::string& part = absl::StrContains(line, "\"level\": \"district\"") ? districts : others;
    absl::StrAppend(&part, part.empty() ? "" : ",\n", line);
  }
  testing::TempDir dir;
  const std::string first = dir.path() + "/districts.geojson";
  const std::string rest = dir.path() + "/streets.geojson";
  std::ofstream(first) << "{\"type\": \"FeatureCollection\", \"features\": [" << districts << "]}";
  std::ofstream(rest) << "{\"type\": \"FeatureCollection\", \"features\": [" << others << "]}";
  auto dispatcher = Dispatcher::Create({
      .taxonomy = deploy + "/taxonomy.yaml",
      .classifier_model = "none",
      .working_calendar = deploy + "/calendar/cn-2025-2026.yaml",
      .city_areas = first + "," + rest,
      .city_gazetteer = deploy + "/city/gazetteer.yaml",
      .routing_rules = deploy + "/city/routing.yaml",
  });
  ASSERT_TRUE(dispatcher.ok()) << dispatcher.status();
  v1::Case c = Reported("A5区洞井街道香樟路边的空地没人管", Local(2025, 9, 30, 10, 0));
  (*dispatcher)->Classify(c, "H2");
  EXPECT_EQ(c.area().street().name(), "洞井街道");
}

TEST(DispatcherTest, UrgentCasesCountClockHours) {
  std::unique_ptr<Dispatcher> dispatcher = ShippedDispatcher("none");
  ASSERT_NE(dispatcher, nullptr);
  v1::Case c = Reported("A5区洞井街道空地没人管", Local(2025, 9, 30, 10, 0), v1::URGENCY_URGENT);
  dispatcher->Classify(c, "H2");
  dispatcher->Route(c);
  EXPECT_EQ(c.reason().time_limit(), "24h");
  EXPECT_EQ(TimeOf(c.deadline()), Local(2025, 10, 1, 10, 0));
}

TEST(DispatcherTest, CoordinatesBeatTheAddressText) {
  std::unique_ptr<Dispatcher> dispatcher = ShippedDispatcher("none");
  ASSERT_NE(dispatcher, nullptr);
  v1::Case c = Reported("A7县泉塘街道公厕很臭", Local(2025, 3, 3, 9, 0));
  c.mutable_complaint()->mutable_location()->set_lat(27.86);  // sensor WC-0001's spot
  c.mutable_complaint()->mutable_location()->set_lon(113.18);
  dispatcher->Classify(c, "B4");
  EXPECT_EQ(c.area().resolved_by(), "coordinates");
  EXPECT_EQ(c.area().street().name(), "井湾子街道");
}

TEST(DispatcherTest, CityRoutingRuleWinsOverTheTaxonomy) {
  std::unique_ptr<Dispatcher> dispatcher = ShippedDispatcher("none");
  ASSERT_NE(dispatcher, nullptr);
  v1::Case c = Reported("A3区的公共厕所没人打扫", Local(2025, 3, 3, 9, 0));
  dispatcher->Classify(c, "B4");
  dispatcher->Route(c);
  EXPECT_EQ(c.lead_department(), "wenlv");  // deploy/city/routing.yaml a3-scenic-toilets
  EXPECT_TRUE(absl::StrContains(c.reason().routing_rule(), "a3-scenic-toilets"));
  EXPECT_EQ(c.reason().time_limit(), "8wh");
}

TEST(DispatcherTest, UnsureOrUnknownCategoriesGoToTriage) {
  std::unique_ptr<Dispatcher> dispatcher = ShippedDispatcher("none");
  ASSERT_NE(dispatcher, nullptr);
  // Keywords alone (no model) give a modest confidence: below the 0.5 threshold.
  v1::Case keyword_only = Reported("楼下有人摆摊", Local(2025, 3, 3, 9, 0));
  dispatcher->Classify(keyword_only, "");
  EXPECT_EQ(keyword_only.category_code(), "A1");
  EXPECT_GT(keyword_only.category_confidence(), 0);
  EXPECT_LT(keyword_only.category_confidence(), 0.5);
  EXPECT_EQ(keyword_only.reason().classification_method(), "keywords");
  EXPECT_EQ(keyword_only.reason().keywords(0), "摆摊");
  dispatcher->Route(keyword_only);
  EXPECT_EQ(keyword_only.status(), v1::CASE_STATUS_NEEDS_TRIAGE);
  EXPECT_EQ(keyword_only.lead_department(), "");
  EXPECT_FALSE(keyword_only.has_deadline());
  EXPECT_TRUE(absl::StrContains(keyword_only.reason().triage_reason(), "below the threshold"));

  v1::Case nothing = Reported("你好，请问一下", Local(2025, 3, 3, 9, 0));
  dispatcher->Classify(nothing, "");
  dispatcher->Route(nothing);
  EXPECT_EQ(nothing.status(), v1::CASE_STATUS_NEEDS_TRIAGE);
  EXPECT_EQ(nothing.reason().triage_reason(), "no category fits the words");

  v1::Case unknown = Reported("井盖丢了", Local(2025, 3, 3, 9, 0));
  dispatcher->Classify(unknown, "Z9");
  dispatcher->Route(unknown);
  EXPECT_EQ(unknown.status(), v1::CASE_STATUS_NEEDS_TRIAGE);
  EXPECT_EQ(unknown.reason().triage_reason(), "category Z9 is not in the taxonomy");
}

TEST(DispatcherTest, MergeLimitsComeFromTheTaxonomy) {
  std::unique_ptr<Dispatcher> dispatcher = ShippedDispatcher("none");
  ASSERT_NE(dispatcher, nullptr);
  EXPECT_EQ(dispatcher->MergePolicy("A1").radius_m, 100);
  EXPECT_EQ(dispatcher->MergePolicy("A1").window, absl::Hours(24 * 7));
  EXPECT_EQ(dispatcher->MergePolicy("I1").radius_m, 1000);
  EXPECT_EQ(dispatcher->MergePolicy("B2").radius_m, 250);
  EXPECT_EQ(dispatcher->MergePolicy("B2").window, absl::Hours(24 * 30));
}

// The hotline stage over a keyword-only dispatcher, so merge decisions do not depend on the model.
class MergeHarness : public StageHarness {
 public:
  explicit MergeHarness(const std::string& path) : StageHarness(path, "none") {}
  void Feed(const std::string& id, const std::string& content, const std::string& received,
            const std::string& extra = "") {
    StageHarness::Feed(intake, kHotline,
                       absl::StrCat(R"({"work_order_id":")", id, R"(","received_at":")", received,
                                    R"(","content":")", content, R"(")", extra, "}"));
  }
  void Commit() { StageHarness::Commit(intake); }
  std::string CaseOf(const std::string& id) {
    auto c = store().FindCaseBySource(v1::CHANNEL_HOTLINE, id);
    EXPECT_TRUE(c.ok()) << id << ": " << c.status();
    return c.ok() ? c->case_id() : "";
  }
  HotlineIntake intake{book};
};

constexpr char kBinsFirst[] = "A5区井湾子街道新天地小区东门的垃圾桶没盖，垃圾满溢好几天没人清运，臭气熏天";
constexpr char kBinsAgain[] = "A5区井湾子街道新天地小区东门垃圾桶没盖子，垃圾满溢出来好几天了没人清运";

TEST(NearDuplicateMergeTest, ARewordedReportOfTheSameProblemJoinsTheOpenCase) {
  testing::TempDir dir;
  MergeHarness harness(dir.path());
  harness.Feed("WO-1", kBinsFirst, "2025-03-01T09:00:00+08:00", R"(,"caller_phone":"13800000001")");
  harness.Commit();  // the second report finds the first's signature in the store
  harness.Feed("WO-2", kBinsAgain, "2025-03-02T18:00:00+08:00", R"(,"caller_phone":"13800000002")");
  harness.Commit();
  EXPECT_EQ(harness.CaseOf("WO-2"), harness.CaseOf("WO-1"));
  auto c = harness.store().GetCase(harness.CaseOf("WO-1"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->report_count(), 2);
  EXPECT_EQ(c->reporters_size(), 2);
  ASSERT_EQ(c->reports_size(), 2);
  EXPECT_EQ(c->reports(1).source_id(), "WO-2");
  EXPECT_TRUE(absl::StrContains(c->reports(1).merge_reason(), "similarity"))
      << c->reports(1).merge_reason();
  EXPECT_TRUE(absl::StrContains(c->history(c->history_size() - 1).note(), "并单"));
  EXPECT_EQ(c->version(), 2u);
  EXPECT_EQ(harness.Counter(kCasesOpenedCounter), 1);
  EXPECT_EQ(harness.Counter(kMergedCounter), 1);
}

TEST(NearDuplicateMergeTest, WorksWithinOneBatchAndAfterARestart) {
  testing::TempDir dir;
  {
    MergeHarness harness(dir.path());
    harness.Feed("WO-1", kBinsFirst, "2025-03-01T09:00:00+08:00");
    harness.Feed("WO-2", kBinsAgain, "2025-03-01T10:00:00+08:00");  // same batch
    harness.Commit();
    EXPECT_EQ(harness.CaseOf("WO-2"), harness.CaseOf("WO-1"));
  }
  MergeHarness restarted(dir.path());
  restarted.Feed("WO-3", kBinsAgain, "2025-03-03T10:00:00+08:00");
  restarted.Commit();
  EXPECT_EQ(restarted.CaseOf("WO-3"), restarted.CaseOf("WO-1"));
}

TEST(NearDuplicateMergeTest, OtherProblemsPlacesAndTimesOpenTheirOwnCases) {
  testing::TempDir dir;
  MergeHarness harness(dir.path());
  harness.Feed("WO-1", kBinsFirst, "2025-03-01T09:00:00+08:00");
  // Another family (C: 路灯) at the same place.
  harness.Feed("WO-LAMP", "A5区井湾子街道新天地小区东门的路灯不亮好几天了，晚上黑漆漆的",
               "2025-03-01T10:00:00+08:00");
  // The same words in another district.
  harness.Feed("WO-ELSEWHERE", "A1区新天地小区东门垃圾桶没盖子，垃圾满溢出来好几天了没人清运",
               "2025-03-01T11:00:00+08:00");
  // The same words two months later: the first case's window (30 days) has passed.
  harness.Feed("WO-LATER", kBinsAgain, "2025-05-01T09:00:00+08:00");
  // No area at all: nothing to compare with.
  harness.Feed("WO-NOWHERE", "垃圾桶没盖，垃圾满溢好几天没人清运", "2025-03-01T12:00:00+08:00");
  harness.Commit();
  const std::string first = harness.CaseOf("WO-1");
  for (const char* id : {"WO-LAMP", "WO-ELSEWHERE", "WO-LATER", "WO-NOWHERE"}) {
    EXPECT_NE(harness.CaseOf(id), first) << id;
  }
  EXPECT_EQ(harness.Counter(kCasesOpenedCounter), 5);
  EXPECT_EQ(harness.Counter(kMergedCounter), 0);
}

TEST(NearDuplicateMergeTest, LocatedReportsMergeWithinTheRadiusOnly) {
  testing::TempDir dir;
  MergeHarness harness(dir.path());
  const std::string at = R"(,"lat":27.8600,"lon":113.1800)";
  const std::string near = R"(,"lat":27.8610,"lon":113.1805)";  // ~120 m
  const std::string far = R"(,"lat":27.8700,"lon":113.1800)";   // ~1.1 km
  harness.Feed("WO-1", "公厕很脏很臭，没人打扫", "2025-03-01T09:00:00+08:00", at);
  harness.Feed("WO-NEAR", "这个公厕又脏又臭，好久没人打扫了", "2025-03-01T10:00:00+08:00", near);
  harness.Feed("WO-FAR", "这个公厕又脏又臭，好久没人打扫了", "2025-03-01T11:00:00+08:00", far);
  harness.Commit();
  EXPECT_EQ(harness.CaseOf("WO-NEAR"), harness.CaseOf("WO-1"));
  EXPECT_NE(harness.CaseOf("WO-FAR"), harness.CaseOf("WO-1"));
}

TEST(NearDuplicateMergeTest, ASensorConditionJoinsTheCitizenReportOfTheSameSpot) {
  testing::TempDir dir;
  MergeHarness harness(dir.path());
  auto registry = ingest::sensor::DeviceRegistry::Parse(
      "device_id,kind,lat,lon,site\nWC-0001,h2s,27.8600,113.1800,五一广场东侧公厕\n");
  ASSERT_TRUE(registry.ok());
  SensorIntake sensors(harness.book, *registry, ingest::sensor::DefaultRules());
  harness.Feed("WO-1", "五一广场东侧公厕臭气熏天，没人打扫", "2025-03-01T09:00:00+08:00",
               R"(,"lat":27.8602,"lon":113.1801)");
  harness.Commit();
  for (const char* observed : {"2025-03-01T09:30:00+08:00", "2025-03-01T09:45:00+08:00"}) {
    harness.StageHarness::Feed(
        sensors, "minsheng.intake.sensor.v1",
        absl::StrCat(R"({"device_id":"WC-0001","kind":"h2s","value":3.5,"unit":"ppm",)",
                     R"("observed_at":")", observed, R"("})"),
        0, 1740794400000 + 3600000);
  }
  harness.StageHarness::Commit(sensors);
  auto joined = harness.store().FindCaseBySource(v1::CHANNEL_SENSOR, "WC-0001");
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->case_id(), harness.CaseOf("WO-1"));
  EXPECT_EQ(joined->report_count(), 2);
  EXPECT_EQ(joined->channels_size(), 2);
}

}  // namespace
}  // namespace minsheng::processors
