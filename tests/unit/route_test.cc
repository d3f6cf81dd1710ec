#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "processors/classify/taxonomy.h"
#include "processors/deadline/working_calendar.h"
#include "processors/route/area_map.h"
#include "processors/route/gazetteer.h"
#include "processors/route/router.h"
#include "processors/route/routing_rules.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::processors {
namespace {

using Json = nlohmann::json;

const std::string kSource = MINSHENG_SOURCE_DIR;
const absl::TimeZone kBeijing = absl::FixedTimeZone(8 * 60 * 60);

absl::Time At(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, 0), kBeijing);
}

std::string Local(absl::Time time) { return absl::FormatTime("%Y-%m-%d %H:%M", time, kBeijing); }

// ---------------------------------------------------------------------------------------------
// A small synthetic city (positions are [lon, lat]):
//   X1区 110001: lon 100-102, lat 30-32
//     甲街道 110001001: lon 100-101, with a hole lon 100.4-100.6 lat 30.4-30.6 (in no street)
//       西社区 110001001002: lon 100-100.5 (no office)
//       东社区 110001001001: lon 100.5-101, four grid cells meeting at (100.75, 31)
//     乙街道 110001002: lon 101-102
//   X2区 110002: lon 102-104 lat 30-32 plus an exclave lon 105-106 lat 30-31 (MultiPolygon)
//     丙镇 110002001: the same two parts

Json Box(double lon0, double lat0, double lon1, double lat1) {
  return Json::array({Json::array({lon0, lat0}), Json::array({lon1, lat0}),
                      Json::array({lon1, lat1}), Json::array({lon0, lat1}),
                      Json::array({lon0, lat0})});
}

Json Polygon(std::vector<Json> rings) { return {{"type", "Polygon"}, {"coordinates", rings}}; }

Json Feature(const std::string& code, const std::string& name, const std::string& level,
             const std::string& parent, Json geometry) {
  Json properties = {{"code", code}, {"name", name}, {"level", level}};
  if (!parent.empty()) properties["parent"] = parent;
  return {{"type", "Feature"}, {"properties", properties}, {"geometry", geometry}};
}

Json Office(Json feature, const std::string& office, const std::string& office_name) {
  feature["properties"]["office"] = office;
  feature["properties"]["office_name"] = office_name;
  return feature;
}

Json CityJson() {
  const Json x2_parts = {{"type", "MultiPolygon"},
                         {"coordinates", Json::array({Json::array({Box(102, 30, 104, 32)}),
                                                      Json::array({Box(105, 30, 106, 31)})})}};
  Json features = Json::array();
  features.push_back(Feature("110001", "X1区", "district", "", Polygon({Box(100, 30, 102, 32)})));
  features.push_back(Feature("110002", "X2区", "district", "", x2_parts));
  features.push_back(
      Office(Feature("110001001", "甲街道", "street", "110001",
                     Polygon({Box(100, 30, 101, 32), Box(100.4, 30.4, 100.6, 30.6)})),
             "jiedao-110001001", "甲街道办事处"));
  features.push_back(
      Office(Feature("110001002", "乙街道", "street", "110001", Polygon({Box(101, 30, 102, 32)})),
             "jiedao-110001002", "乙街道办事处"));
  features.push_back(Office(Feature("110002001", "丙镇", "street", "110002", x2_parts),
                            "jiedao-110002001", "丙镇人民政府"));
  features.push_back(Office(Feature("110001001001", "东社区", "community", "110001001",
                                    Polygon({Box(100.5, 30, 101, 32)})),
                            "shequ-110001001001", "东社区居委会"));
  features.push_back(Feature("110001001002", "西社区", "community", "110001001",
                             Polygon({Box(100, 30, 100.5, 32)})));
  const double cells[4][4] = {{100.5, 30, 100.75, 31},
                              {100.75, 30, 101, 31},
                              {100.5, 31, 100.75, 32},
                              {100.75, 31, 101, 32}};
  for (int i = 0; i < 4; ++i) {
    features.push_back(Feature(absl::StrCat("11000100100100", i + 1),
                               absl::StrCat("东", i + 1, "格"), "grid", "110001001001",
                               Polygon({Box(cells[i][0], cells[i][1], cells[i][2], cells[i][3])})));
  }
  return {{"type", "FeatureCollection"}, {"features", features}};
}

AreaMap City() {
  absl::StatusOr<AreaMap> map = AreaMap::Parse(CityJson().dump());
  EXPECT_TRUE(map.ok()) << map.status();
  return *std::move(map);
}

// The error of parsing CityJson() after `edit`.
std::string ErrorAfter(const std::function<void(Json&)>& edit) {
  Json city = CityJson();
  edit(city);
  absl::StatusOr<AreaMap> map = AreaMap::Parse(city.dump());
  EXPECT_FALSE(map.ok());
  if (map.ok()) return "";
  EXPECT_EQ(map.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(map.status().message());
}

// ---------------------------------------------------------------------------------------------
// AreaMap

TEST(AreaMapTest, ResolvesEveryLevelInsideAPoint) {
  const AreaMap map = City();
  EXPECT_EQ(map.size(), 11u);
  const AreaPath path = map.Resolve(/*lat=*/31.5, /*lon=*/100.9);
  EXPECT_EQ(path.district.name, "X1区");
  EXPECT_EQ(path.street.code, "110001001");
  EXPECT_EQ(path.community.name, "东社区");
  EXPECT_EQ(path.grid.code, "110001001001004");
  EXPECT_EQ(path.deepest().name, "东4格");
  EXPECT_EQ(path.ToString(), "X1区/甲街道/东社区/东4格");
  // Latitude and longitude are not swapped: lat 31.2, lon 100.2 is 西社区, which has no grid.
  const AreaPath west = map.Resolve(31.2, 100.2);
  EXPECT_EQ(west.ToString(), "X1区/甲街道/西社区");
  EXPECT_TRUE(west.grid.empty());
}

TEST(AreaMapTest, PointOutsideEveryDistrictGivesAnEmptyPath) {
  const AreaMap map = City();
  EXPECT_TRUE(map.Resolve(31, 99.5).empty());
  EXPECT_TRUE(map.Resolve(33, 101).empty());
  // Between X2区's two parts.
  EXPECT_TRUE(map.Resolve(30.5, 104.5).empty());
  EXPECT_EQ(map.Resolve(30.5, 104.5).ToString(), "");
}

TEST(AreaMapTest, HoleIsNotPartOfThePolygon) {
  const AreaMap map = City();
  const AreaPath in_hole = map.Resolve(30.5, 100.5);
  EXPECT_EQ(in_hole.district.name, "X1区");
  EXPECT_TRUE(in_hole.street.empty()) << in_hole.ToString();
  // Just outside the hole it is 甲街道 again.
  EXPECT_EQ(map.Resolve(30.3, 100.5).street.name, "甲街道");
}

TEST(AreaMapTest, MultiPolygonExclaveBelongsToItsArea) {
  const AreaMap map = City();
  EXPECT_EQ(map.Resolve(30.5, 105.5).ToString(), "X2区/丙镇");
  EXPECT_EQ(map.Resolve(31.5, 103).ToString(), "X2区/丙镇");
  EXPECT_TRUE(map.Resolve(31.5, 105.5).empty());  // north of the exclave
}

TEST(AreaMapTest, PointsOnSharedEdgesAndVerticesBelongToExactlyOneArea) {
  const AreaMap map = City();
  // North-south edge between 甲街道 and 乙街道 (lon 101): the area to the east.
  EXPECT_EQ(map.Resolve(31.3, 101).street.name, "乙街道");
  // District boundary X1区 | X2区 at lon 102.
  EXPECT_EQ(map.Resolve(31.3, 102).district.name, "X2区");
  // The four grid cells meet at (lat 31, lon 100.75): the north-east one.
  EXPECT_EQ(map.Resolve(31, 100.75).grid.code, "110001001001004");
  // East-west edge between cells 2 (south) and 4 (north).
  EXPECT_EQ(map.Resolve(31, 100.9).grid.code, "110001001001004");
  // Same answer every time.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(map.Resolve(31, 100.75).grid.code, "110001001001004");
  // The northern boundary belongs to whatever lies north of it: here nothing.
  EXPECT_TRUE(map.Resolve(32, 102).empty());
}

TEST(AreaMapTest, FindAndPathOfAndOffices) {
  const AreaMap map = City();
  ASSERT_NE(map.Find("110001001"), nullptr);
  EXPECT_EQ(map.Find("110001001")->office, "jiedao-110001001");
  EXPECT_EQ(map.Find("110001001")->level, AreaLevel::kStreet);
  EXPECT_EQ(map.Find("110001001002")->office, "");  // optional for communities
  EXPECT_EQ(map.Find("9"), nullptr);
  EXPECT_EQ(map.PathOf("110001001001003").ToString(), "X1区/甲街道/东社区/东3格");
  EXPECT_TRUE(map.PathOf("110009").empty());
  ASSERT_NE(map.FindOffice("shequ-110001001001"), nullptr);
  EXPECT_EQ(map.FindOffice("shequ-110001001001")->name, "东社区");
  EXPECT_EQ(map.FindOffice("jiedao"), nullptr);
}

TEST(AreaMapTest, ValidationErrorsNameTheFeature) {
  EXPECT_EQ(ErrorAfter([](Json& c) { c["features"][3]["properties"]["parent"] = "1100019"; }),
            "features[3] (110001002): parent 1100019 is not a known area");
  EXPECT_EQ(ErrorAfter([](Json& c) { c["features"][3]["properties"]["parent"] = "110002"; }),
            "features[3] (110001002): code does not start with the parent's code 110002");
  EXPECT_EQ(ErrorAfter([](Json& c) { c["features"][5]["properties"]["parent"] = "110001"; }),
            "features[5] (110001001001): parent 110001 is a district, expected a street");
  EXPECT_EQ(ErrorAfter([](Json& c) { c["features"][2]["properties"]["code"] = "11000101"; }),
            "features[2] (11000101): code: a street code has 9 digits");
  EXPECT_EQ(ErrorAfter([](Json& c) { c["features"][2]["properties"]["level"] = "town"; }),
            "features[2] (110001001): level: town is not one of district, street, community, "
            "grid");
  EXPECT_EQ(ErrorAfter([](Json& c) { c["features"][3]["properties"].erase("office"); }),
            "features[3] (110001002): office: missing");
  EXPECT_EQ(ErrorAfter([](Json& c) { c["features"][0]["properties"]["office"] = "x"; }),
            "features[0] (110001): office: only streets and communities have a 属地 office");
  EXPECT_EQ(
      ErrorAfter([](Json& c) { c["features"][3]["properties"]["office"] = "jiedao-110001001"; }),
      "features[3] (110001002): office: jiedao-110001001 is already the office of features[2] "
      "(110001001)");
  EXPECT_EQ(ErrorAfter([](Json& c) { c["features"][4]["properties"]["code"] = "110001001"; }),
            "features[4] (110001001): duplicate code (first in features[2] (110001001))");
  EXPECT_EQ(ErrorAfter([](Json& c) { c["features"][6]["properties"].erase("name"); }),
            "features[6] (110001001002): name: missing");
  EXPECT_EQ(ErrorAfter([](Json& c) { c["features"][0]["geometry"]["type"] = "Point"; }),
            "features[0] (110001): geometry: type Point is not supported (expected Polygon or "
            "MultiPolygon)");
  // [lat, lon] instead of [lon, lat] is caught when the latitude is out of range.
  EXPECT_EQ(ErrorAfter([](Json& c) {
              c["features"][0]["geometry"]["coordinates"][0][1] = Json::array({30, 102});
            }),
            "features[0] (110001): geometry: coordinates[0][1]: [30, 102] is not [longitude, "
            "latitude] (GeoJSON order)");
  EXPECT_EQ(ErrorAfter([](Json& c) {
              c["features"][0]["geometry"]["coordinates"][0][4] = Json::array({100, 31});
            }),
            "features[0] (110001): geometry: coordinates[0]: ring is not closed (the last "
            "position must equal the first)");
  EXPECT_EQ(ErrorAfter([](Json& c) {
              c["features"][0]["geometry"]["coordinates"][0] = Json::array(
                  {Json::array({100, 30}), Json::array({101, 30}), Json::array({100, 30})});
            }),
            "features[0] (110001): geometry: coordinates[0]: a ring needs at least 4 positions, "
            "got 3");
  EXPECT_EQ(ErrorAfter([](Json& c) { c["type"] = "Feature"; }),
            "expected a GeoJSON FeatureCollection with a features array");
  // The parser's message says where the file stops being JSON.
  const std::string broken(AreaMap::Parse("{\n  \"type\": oops}").status().message());
  EXPECT_TRUE(absl::StartsWith(broken, "not JSON: ") && absl::StrContains(broken, "line 2"))
      << broken;
  // A directory is not an empty file.
  const std::vector<std::string> paths = {::testing::TempDir()};
  const absl::StatusOr<AreaMap> directory = AreaMap::Load(paths);
  EXPECT_EQ(directory.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(directory.status().message(), "is a directory"))
      << directory.status();
}

TEST(AreaMapTest, LoadsLevelsFromSeveralFilesAndNamesTheFileInErrors) {
  const testing::TempDir dir;
  Json districts = CityJson();
  Json rest = CityJson();
  districts["features"].erase(districts["features"].begin() + 2, districts["features"].end());
  rest["features"].erase(rest["features"].begin(), rest["features"].begin() + 2);
  const std::string districts_path = dir.path() + "/districts.geojson";
  const std::string rest_path = dir.path() + "/streets.geojson";
  std::ofstream(districts_path) << districts.dump();
  std::ofstream(rest_path) << rest.dump();
  // Streets first: parents may come in a later file.
  absl::StatusOr<AreaMap> map = AreaMap::Load({rest_path, districts_path});
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->size(), 11u);
  EXPECT_EQ(map->Resolve(31.5, 100.9).ToString(), "X1区/甲街道/东社区/东4格");

  absl::StatusOr<AreaMap> missing_parent = AreaMap::Load({rest_path});
  ASSERT_FALSE(missing_parent.ok());
  EXPECT_EQ(missing_parent.status().message(),
            rest_path + ": features[0] (110001001): parent 110001 is not a known area");
  EXPECT_EQ(AreaMap::Load({dir.path() + "/nope.geojson"}).status().code(),
            absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------------------------
// Gazetteer

constexpr char kGazetteer[] = R"(
aliases:
  "110001": [幸福]
  "110001001": [甲街]
  "110001002": [新村]
  "110002001": [新村]
  "110001001001": [东门]
  "110001001002": [东门]
places:
  "110001001001": [幸福小区]
  "110001002": [幸福路]
  "110002": [长江大道]
ignore: [幸福感]
)";

Gazetteer CityGazetteer(const AreaMap& map) {
  absl::StatusOr<Gazetteer> gazetteer = Gazetteer::Parse(kGazetteer, map);
  EXPECT_TRUE(gazetteer.ok()) << gazetteer.status();
  return *std::move(gazetteer);
}

// "<how> <name> -> <path>" of the match, or "none".
std::string Resolved(const Gazetteer& gazetteer, absl::string_view text) {
  std::optional<GazetteerMatch> match = gazetteer.Resolve(text);
  return match.has_value() ? match->ToString() : "none";
}

TEST(GazetteerTest, LongestNameWins) {
  const AreaMap map = City();
  const Gazetteer gazetteer = CityGazetteer(map);
  // 甲街道 (the area's own name) over the alias 甲街.
  EXPECT_EQ(Resolved(gazetteer, "投诉甲街道路灯不亮"), "area 甲街道 -> X1区/甲街道");
  EXPECT_EQ(Resolved(gazetteer, "甲街那边"), "alias 甲街 -> X1区/甲街道");
  // 幸福小区 (a place in 东社区) over 幸福 (an alias of X1区).
  EXPECT_EQ(Resolved(gazetteer, "幸福小区门口摆摊"), "place 幸福小区 -> X1区/甲街道/东社区");
  EXPECT_EQ(Resolved(gazetteer, "幸福一带"), "alias 幸福 -> X1区");
  // An ignored word hides the alias inside it.
  EXPECT_EQ(Resolved(gazetteer, "居民幸福感不强"), "none");
}

TEST(GazetteerTest, NoNameGivesNothing) {
  const AreaMap map = City();
  const Gazetteer gazetteer = CityGazetteer(map);
  EXPECT_EQ(Resolved(gazetteer, "楼下烧烤太吵了"), "none");
  EXPECT_EQ(Resolved(gazetteer, ""), "none");
  // A stray UTF-8 continuation byte does not stop the scan.
  EXPECT_EQ(Resolved(gazetteer, "\x80\x80甲街道"), "area 甲街道 -> X1区/甲街道");
}

TEST(GazetteerTest, StreetInsideTheNamedDistrictBeatsTheDistrict) {
  const AreaMap map = City();
  const Gazetteer gazetteer = CityGazetteer(map);
  EXPECT_EQ(Resolved(gazetteer, "X1区甲街道幸福小区"), "place 幸福小区 -> X1区/甲街道/东社区");
  EXPECT_EQ(Resolved(gazetteer, "X1区乙街道"), "area 乙街道 -> X1区/乙街道");
  // Names agreeing with each other beat an equally specific stray one: 幸福路 is confirmed by
  // X1区, 丙镇 by nothing.
  EXPECT_EQ(Resolved(gazetteer, "丙镇的人来X1区幸福路摆摊"), "place 幸福路 -> X1区/乙街道");
}

TEST(GazetteerTest, ConflictingNamesGiveTheMostSpecificThenTheEarliest) {
  const AreaMap map = City();
  const Gazetteer gazetteer = CityGazetteer(map);
  // 甲街道 lies in X1区, not X2区: the street (more specific) wins.
  EXPECT_EQ(Resolved(gazetteer, "X2区甲街道"), "area 甲街道 -> X1区/甲街道");
  // Two districts: the earlier one.
  EXPECT_EQ(Resolved(gazetteer, "X2区和X1区交界"), "area X2区 -> X2区");
  EXPECT_EQ(Resolved(gazetteer, "X1区和X2区交界"), "area X1区 -> X1区");
}

TEST(GazetteerTest, NameOfSeveralAreasIsDecidedByTheRestOfTheText) {
  const AreaMap map = City();
  const Gazetteer gazetteer = CityGazetteer(map);
  // 新村 is in 乙街道 (X1区) and 丙镇 (X2区).
  EXPECT_EQ(Resolved(gazetteer, "X2区新村"), "alias 新村 -> X2区/丙镇");
  EXPECT_EQ(Resolved(gazetteer, "X1区新村"), "alias 新村 -> X1区/乙街道");
  // Nothing else: no common area, no answer rather than a guess.
  EXPECT_EQ(Resolved(gazetteer, "新村"), "none");
  // Another name in the text decides it: 长江大道 is in X2区.
  EXPECT_EQ(Resolved(gazetteer, "新村到长江大道"), "alias 新村 -> X2区/丙镇");
  // When none does, the undecided name is set aside for the others.
  EXPECT_EQ(Resolved(gazetteer, "新村到甲街"), "alias 甲街 -> X1区/甲街道");
  // 东门 of 东社区 and 西社区: their common street.
  EXPECT_EQ(Resolved(gazetteer, "东门"), "alias 东门 -> X1区/甲街道");
}

TEST(GazetteerTest, RepeatingANameIsNoConfirmationOfIt) {
  const AreaMap map = City();
  const Gazetteer gazetteer = CityGazetteer(map);
  // Two streets of different districts, neither confirmed: the earlier one.
  EXPECT_EQ(Resolved(gazetteer, "甲街道的人说丙镇"), "area 甲街道 -> X1区/甲街道");
  // Saying 丙镇 again does not make it confirm itself.
  EXPECT_EQ(Resolved(gazetteer, "甲街道的人说丙镇丙镇丙镇"), "area 甲街道 -> X1区/甲街道");
  // A long text repeating an ambiguous name thousands of times is weighed once per name, so it
  // resolves as fast as a short one (this took hours when each occurrence was weighed).
  std::string long_text;
  for (int i = 0; i < 20000; ++i) long_text += "新村";
  EXPECT_EQ(Resolved(gazetteer, long_text), "none");
  EXPECT_EQ(Resolved(gazetteer, long_text + "长江大道"), "alias 新村 -> X2区/丙镇");
}

TEST(GazetteerTest, ErrorsNameTheEntry) {
  const AreaMap map = City();
  auto error = [&map](const std::string& yaml) {
    absl::StatusOr<Gazetteer> gazetteer = Gazetteer::Parse(yaml, map);
    EXPECT_FALSE(gazetteer.ok());
    return gazetteer.ok() ? "" : std::string(gazetteer.status().message());
  };
  EXPECT_EQ(error("aliases: {\"110002001\": [丙]}"),
            "aliases: 110002001[0]: 丙 is shorter than 2 characters (it would match unrelated "
            "words)");
  EXPECT_EQ(error("places: {\"110009\": [某小区]}"), "places: 110009: not a known area");
  EXPECT_EQ(error("aliases: {\"110001001\": [甲街道]}"),
            "aliases: 110001001[0]: 甲街道 is already a name of 110001001");
  EXPECT_EQ(error("aliases: {\"110001001\": [甲街]}\nignore: [甲街]"),
            "ignore[0]: 甲街 is also a name of an area or place");
  EXPECT_EQ(error("places: [a, b]"), "places: expected a mapping of area code to names");
  EXPECT_EQ(error("streets: {}"), "unknown key streets (expected one of aliases, ignore, places)");
  // An empty file is fine: the areas' own names remain.
  absl::StatusOr<Gazetteer> empty = Gazetteer::Parse("", map);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->size(), 11u);
}

// ---------------------------------------------------------------------------------------------
// Routing rules and the router

constexpr char kTaxonomy[] = R"(departments:
  chengguan: 综合执法局
  huanwei: 环卫处
  wenlv: 文旅局
  zhujian: 住建局
  jiedao: 街道办事处
  shequ: 社区居委会
default_deadlines: {emergency: 2h, urgent: 24h, normal: 5d}
categories:
  - code: A1
    name: 占道经营
    parent: A 市容秩序
    keywords: [摆摊]
    lead: chengguan
    assisting: [jiedao]
    tags: [五乱]
  - code: A4
    name: 乱贴乱画
    parent: A 市容秩序
    keywords: [小广告]
    lead: chengguan
    assisting: [huanwei]
  - code: B4
    name: 公厕
    parent: B 环境卫生
    keywords: [厕所]
    lead: huanwei
    deadlines: {urgent: 4h, normal: 24h}
  - code: H1
    name: 无物业
    parent: H 小区与权属
    keywords: [无物业]
    lead: jiedao
    assisting: [shequ, zhujian]
  - code: J1
    name: 社区事务
    parent: J 其他
    keywords: [居委会]
    lead: shequ
)";

constexpr char kRules[] = R"(
departments:
  x1-chengguan: X1区城管局
unclassified_deadlines: {emergency: 2h, urgent: 24h, normal: 3d}
rules:
  - id: x1-city-order
    categories: ["A*"]
    areas: ["110001"]
    lead: x1-chengguan
  - id: jia-wuluan
    categories: ["tag:五乱"]
    areas: ["110001001"]
    lead: chengguan
    assisting: [jiedao, x1-chengguan]
  - id: toilets
    categories: [B4]
    lead: wenlv
    deadlines: {normal: 8wh}
  - id: x2-toilets
    categories: [B4]
    areas: ["110002"]
    lead: huanwei
  - id: x2-toilets-shadowed
    categories: [B4]
    areas: ["110002"]
    lead: zhujian
)";

Taxonomy TestTaxonomy() {
  absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Parse(kTaxonomy);
  EXPECT_TRUE(taxonomy.ok()) << taxonomy.status();
  return *std::move(taxonomy);
}

WorkingCalendar ShippedCalendar() {
  absl::StatusOr<WorkingCalendar> calendar =
      WorkingCalendar::Load(kSource + "/deploy/calendar/cn-2025-2026.yaml");
  EXPECT_TRUE(calendar.ok()) << calendar.status();
  return *std::move(calendar);
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : taxonomy_(TestTaxonomy()), router_(MakeRouter(taxonomy_)) {}

  static Router MakeRouter(const Taxonomy& taxonomy) {
    AreaMap map = City();
    absl::StatusOr<RoutingRules> rules = RoutingRules::Parse(kRules, taxonomy, map);
    EXPECT_TRUE(rules.ok()) << rules.status();
    return Router(std::move(map), *std::move(rules), ShippedCalendar());
  }

  // The route of a normal case received on Monday 2025-03-10 10:00.
  Route Decide(absl::string_view category, const AreaPath& area, Urgency urgency = Urgency::kNormal,
               absl::Time received = At(2025, 3, 10, 10, 0)) {
    const Category* found = category.empty() ? nullptr : taxonomy_.Find(category);
    EXPECT_TRUE(category.empty() || found != nullptr) << category;
    return router_.Decide(taxonomy_, found, area, urgency, received);
  }

  AreaPath Path(absl::string_view code) { return router_.areas().PathOf(code); }

  const Taxonomy taxonomy_;
  const Router router_;
};

TEST_F(RouterTest, RuleByFamilyPrefix) {
  const Route route = Decide("A4", Path("110001002"));
  EXPECT_EQ(route.rule, "routing rule x1-city-order");
  EXPECT_EQ(route.lead, "x1-chengguan");
  EXPECT_EQ(route.lead_name, "X1区城管局");
  EXPECT_TRUE(route.assisting.empty());     // the rule lists none; the taxonomy's do not carry over
  EXPECT_EQ(route.limit.ToString(), "5d");  // the category's
  // Outside X1区 the taxonomy decides.
  const Route x2 = Decide("A4", Path("110002001"));
  EXPECT_EQ(x2.rule, "taxonomy A4");
  EXPECT_EQ(x2.lead, "chengguan");
  EXPECT_EQ(x2.lead_name, "综合执法局");
  EXPECT_EQ(x2.assisting, std::vector<std::string>({"huanwei"}));
}

TEST_F(RouterTest, RuleByTagWithTheMoreSpecificAreaBeatsAnEarlierDistrictRule) {
  // A1 (五乱) in 甲街道: both x1-city-order (district) and jia-wuluan (street) match.
  const Route route = Decide("A1", Path("110001001001"));
  EXPECT_EQ(route.rule, "routing rule jia-wuluan");
  EXPECT_EQ(route.lead, "chengguan");
  // jiedao became the street's office.
  EXPECT_EQ(route.assisting, std::vector<std::string>({"jiedao-110001001", "x1-chengguan"}));
  // In 乙街道 only the district rule matches.
  EXPECT_EQ(Decide("A1", Path("110001002")).rule, "routing rule x1-city-order");
}

TEST_F(RouterTest, RuleByCategoryCodeAndFileOrderAmongEquallySpecificRules) {
  // B4 anywhere: the rule without areas, with its own normal limit.
  const Route anywhere = Decide("B4", Path("110001002"));
  EXPECT_EQ(anywhere.rule, "routing rule toilets");
  EXPECT_EQ(anywhere.lead, "wenlv");
  EXPECT_EQ(anywhere.limit.ToString(), "8wh");
  // Urgent has no override: the category's 4h.
  EXPECT_EQ(Decide("B4", Path("110001002"), Urgency::kUrgent).limit.ToString(), "4h");
  // In X2区 two district rules match: the first in the file.
  const Route x2 = Decide("B4", Path("110002001"));
  EXPECT_EQ(x2.rule, "routing rule x2-toilets");
  EXPECT_EQ(x2.lead, "huanwei");
  // Without any area only the rule without areas can match.
  EXPECT_EQ(Decide("B4", AreaPath()).rule, "routing rule toilets");
  const RoutingRule* matched = router_.rules().Match(taxonomy_.Find("B4"), Path("110002"));
  ASSERT_NE(matched, nullptr);
  EXPECT_EQ(matched->id, "x2-toilets");
  EXPECT_EQ(router_.rules().Match(nullptr, Path("110002")), nullptr);
}

TEST_F(RouterTest, TerritorialLeadBecomesTheStreetOffice) {
  const Route route = Decide("H1", Path("110001001001"));
  EXPECT_EQ(route.rule, "taxonomy H1; 属地: 甲街道");
  EXPECT_EQ(route.lead, "jiedao-110001001");
  EXPECT_EQ(route.lead_name, "甲街道办事处");
  // shequ became the community's office.
  EXPECT_EQ(route.assisting, std::vector<std::string>({"shequ-110001001001", "zhujian"}));
  // 西社区 has no office: its street stands in for it, and is the lead already.
  const Route west = Decide("H1", Path("110001001002"));
  EXPECT_EQ(west.lead, "jiedao-110001001");
  EXPECT_EQ(west.assisting, std::vector<std::string>({"zhujian"}));
  EXPECT_EQ(router_.DepartmentName(taxonomy_, "jiedao-110002001"), "丙镇人民政府");
  EXPECT_EQ(router_.DepartmentName(taxonomy_, "x1-chengguan"), "X1区城管局");
  EXPECT_EQ(router_.DepartmentName(taxonomy_, "nobody"), "");
}

TEST_F(RouterTest, CommunityLeadBecomesTheCommunityOrStreetOffice) {
  const Route east = Decide("J1", Path("110001001001004"));
  EXPECT_EQ(east.lead, "shequ-110001001001");
  EXPECT_EQ(east.lead_name, "东社区居委会");
  EXPECT_EQ(east.rule, "taxonomy J1; 属地: 东社区");
  EXPECT_EQ(Decide("J1", Path("110001001002")).lead, "jiedao-110001001");
  EXPECT_EQ(Decide("J1", Path("110001002")).lead, "jiedao-110001002");
  const Route district_only = Decide("J1", Path("110001"));
  EXPECT_EQ(district_only.lead, "shequ");
  EXPECT_EQ(district_only.rule, "taxonomy J1; 属地: street unknown (area X1区), lead stays shequ");
}

TEST_F(RouterTest, UnclassifiedCaseGoesToTheStreet) {
  const Route route = Decide("", Path("110002001"));
  EXPECT_EQ(route.rule, "unclassified; 属地: 丙镇");
  EXPECT_EQ(route.lead, "jiedao-110002001");
  EXPECT_EQ(route.lead_name, "丙镇人民政府");
  EXPECT_TRUE(route.assisting.empty());
  EXPECT_EQ(route.limit.ToString(), "3d");  // unclassified_deadlines
  EXPECT_EQ(Decide("", Path("110002001"), Urgency::kEmergency).limit.ToString(), "2h");
}

TEST_F(RouterTest, WithoutAnAreaTheLeadStaysJiedaoAndSaysWhy) {
  const Route unclassified = Decide("", AreaPath());
  EXPECT_EQ(unclassified.lead, "jiedao");
  EXPECT_EQ(unclassified.lead_name, "街道办事处");
  EXPECT_EQ(unclassified.rule,
            "unclassified; 属地: street unknown (area unknown), lead stays jiedao");
  const Route h1 = Decide("H1", AreaPath());
  EXPECT_EQ(h1.lead, "jiedao");
  EXPECT_EQ(h1.assisting, std::vector<std::string>({"shequ", "zhujian"}));
  EXPECT_EQ(h1.rule, "taxonomy H1; 属地: street unknown (area unknown), lead stays jiedao");
}

TEST_F(RouterTest, UrgentCasesCountClockHoursAcrossTheWeekend) {
  // Friday 2025-06-13 22:00, A1 urgent = 24h (taxonomy default): Saturday 22:00, not Monday.
  const Route route = Decide("A1", Path("110002001"), Urgency::kUrgent, At(2025, 6, 13, 22, 0));
  EXPECT_EQ(route.limit.ToString(), "24h");
  EXPECT_EQ(Local(route.deadline), "2025-06-14 22:00");
  const Route emergency =
      Decide("A1", Path("110002001"), Urgency::kEmergency, At(2025, 6, 14, 23, 30));
  EXPECT_EQ(Local(emergency.deadline), "2025-06-15 01:30");
}

TEST_F(RouterTest, WorkingDaysSkipNationalDayAndCountItsAdjustedWorkingDays) {
  // Sunday 2025-09-28 is a working day (调休); 10-01..10-08 are holidays; Saturday 10-11 works.
  // 5 working days: 09-29, 09-30, 10-09, 10-10, 10-11.
  const Route route = Decide("A1", Path("110002001"), Urgency::kNormal, At(2025, 9, 28, 10, 0));
  EXPECT_EQ(route.limit.ToString(), "5d");
  EXPECT_EQ(Local(route.deadline), "2025-10-11 10:00");
  // From Tuesday 09-30 16:00: 10-09, 10-10, 10-11, 10-13, 10-14.
  EXPECT_EQ(
      Local(Decide("A1", Path("110002001"), Urgency::kNormal, At(2025, 9, 30, 16, 0)).deadline),
      "2025-10-14 16:00");
  // Received on a holiday, unclassified (3d): counted from 08:30 of the first working day, 10-09;
  // then 10-10, 10-11, 10-13.
  EXPECT_EQ(Local(Decide("", Path("110002001"), Urgency::kNormal, At(2025, 10, 3, 15, 0)).deadline),
            "2025-10-13 08:30");
}

TEST_F(RouterTest, WorkingHoursSkipTheHoliday) {
  // B4 normal = 8wh (rule toilets). 09-30 16:00-17:30 is 1.5 h; 10-09 08:30-12:00 3.5 h and
  // 14:00-17:00 the last 3 h.
  const Route route = Decide("B4", Path("110001002"), Urgency::kNormal, At(2025, 9, 30, 16, 0));
  EXPECT_EQ(Local(route.deadline), "2025-10-09 17:00");
}

TEST(RoutingRulesTest, ErrorsNameTheRule) {
  const Taxonomy taxonomy = TestTaxonomy();
  const AreaMap map = City();
  auto error = [&](const std::string& rules) {
    absl::StatusOr<RoutingRules> parsed = RoutingRules::Parse(
        absl::StrCat("unclassified_deadlines: {emergency: 2h, urgent: 24h, normal: 3d}\n"
                     "departments: {x1-chengguan: X1区城管局}\nrules:\n",
                     rules),
        taxonomy, map);
    EXPECT_FALSE(parsed.ok());
    return parsed.ok() ? "" : std::string(parsed.status().message());
  };
  EXPECT_EQ(error("  - {id: r, categories: [A1], lead: chenguan}"),
            "rules[0] (r): lead: unknown department chenguan");
  EXPECT_EQ(error("  - {id: r, categories: [A1], lead: wenlv, assisting: [huanwei, x]}"),
            "rules[0] (r): assisting[1]: unknown department x");
  EXPECT_EQ(error("  - {id: r, categories: [A1], lead: wenlv, assisting: [wenlv]}"),
            "rules[0] (r): assisting[0]: wenlv is already the lead");
  EXPECT_EQ(error("  - {id: r, categories: [A9], lead: wenlv}"),
            "rules[0] (r): categories[0]: unknown category A9");
  EXPECT_EQ(error("  - {id: r, categories: [Z*], lead: wenlv}"),
            "rules[0] (r): categories[0]: no category matches Z*");
  EXPECT_EQ(error("  - {id: r, categories: [\"tag:七小\"], lead: wenlv}"),
            "rules[0] (r): categories[0]: no category has tag 七小");
  EXPECT_EQ(error("  - {id: r, areas: [\"110009\"], lead: wenlv}"),
            "rules[0] (r): areas[0]: unknown area 110009");
  EXPECT_EQ(error("  - {id: r, lead: wenlv}"),
            "rules[0] (r): give categories, areas or both (a rule for everything would replace "
            "the taxonomy)");
  EXPECT_EQ(error("  - {id: r, areas: [\"110001\"], lead: wenlv, deadlines: {normal: 5x}}"),
            "rules[0] (r): deadlines: normal: bad deadline \"5x\" (expected <n>h clock hours, "
            "<n>wh working hours or <n>d working days, n from 1 to 9999)");
  EXPECT_EQ(error("  - {id: r, areas: [\"110001\"], lead: wenlv, owner: x}"),
            "rules[0] (r): unknown key owner (expected one of areas, assisting, categories, "
            "deadlines, id, lead)");
  EXPECT_EQ(error("  - {id: r, areas: [\"110001\"], lead: wenlv}\n"
                  "  - {id: r, areas: [\"110002\"], lead: wenlv}"),
            "rules[1] (r): duplicate id (also rules[0])");
  EXPECT_EQ(error("  - {areas: [\"110001\"], lead: wenlv}"), "rules[0]: id: missing");

  auto file_error = [&](const std::string& yaml) {
    absl::StatusOr<RoutingRules> parsed = RoutingRules::Parse(yaml, taxonomy, map);
    EXPECT_FALSE(parsed.ok());
    return parsed.ok() ? "" : std::string(parsed.status().message());
  };
  EXPECT_EQ(file_error("rules: []"), "unclassified_deadlines: missing");
  EXPECT_EQ(file_error("unclassified_deadlines: {emergency: 2h, urgent: 24h}"),
            "unclassified_deadlines: normal: missing");
  EXPECT_EQ(file_error("unclassified_deadlines: {emergency: 2h, urgent: 24h, normal: 3d}\n"
                       "departments: {wenlv: 另一个文旅局}"),
            "departments: wenlv: already a taxonomy department");
  EXPECT_EQ(file_error("unclassified_deadlines: {emergency: 2h, urgent: 24h, normal: 3d}\n"
                       "departments: {jiedao-110001001: 甲}"),
            "departments: jiedao-110001001: already the office of area 110001001");

  // A street office may lead a rule.
  absl::StatusOr<RoutingRules> office_rule = RoutingRules::Parse(
      "unclassified_deadlines: {emergency: 2h, urgent: 24h, normal: 3d}\n"
      "rules: [{id: r, categories: [H1], areas: [\"110001002\"], lead: jiedao-110001001}]",
      taxonomy, map);
  ASSERT_TRUE(office_rule.ok()) << office_rule.status();
}

TEST(RoutingRulesTest, AreaOfficeMustNotTakeATaxonomyDepartmentId) {
  Json city = CityJson();
  city["features"][3]["properties"]["office"] = "huanwei";
  absl::StatusOr<AreaMap> map = AreaMap::Parse(city.dump());
  ASSERT_TRUE(map.ok()) << map.status();
  absl::StatusOr<RoutingRules> rules = RoutingRules::Parse(kRules, TestTaxonomy(), *map);
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().message(),
            "area 110001002: office huanwei is also a taxonomy department");
}

// ---------------------------------------------------------------------------------------------
// The shipped example city (deploy/city) with the shipped taxonomy and calendar.

class ShippedCityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Load(kSource + "/deploy/taxonomy.yaml");
    ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
    taxonomy_ = new Taxonomy(*std::move(taxonomy));
    absl::StatusOr<AreaMap> map = AreaMap::Load({kSource + "/deploy/city/areas.geojson"});
    ASSERT_TRUE(map.ok()) << map.status();
    absl::StatusOr<Gazetteer> gazetteer =
        Gazetteer::Load(kSource + "/deploy/city/gazetteer.yaml", *map);
    ASSERT_TRUE(gazetteer.ok()) << gazetteer.status();
    gazetteer_ = new Gazetteer(*std::move(gazetteer));
    absl::StatusOr<RoutingRules> rules =
        RoutingRules::Load(kSource + "/deploy/city/routing.yaml", *taxonomy_, *map);
    ASSERT_TRUE(rules.ok()) << rules.status();
    router_ = new Router(*std::move(map), *std::move(rules), ShippedCalendar());
  }
  static void TearDownTestSuite() {
    delete router_;
    delete gazetteer_;
    delete taxonomy_;
  }
  void SetUp() override { ASSERT_NE(router_, nullptr); }

  Route Decide(absl::string_view category, absl::string_view area_code) {
    return router_->Decide(*taxonomy_, taxonomy_->Find(category),
                           router_->areas().PathOf(area_code), Urgency::kNormal,
                           At(2025, 3, 10, 10, 0));
  }

  static Taxonomy* taxonomy_;
  static Gazetteer* gazetteer_;
  static Router* router_;
};

Taxonomy* ShippedCityTest::taxonomy_ = nullptr;
Gazetteer* ShippedCityTest::gazetteer_ = nullptr;
Router* ShippedCityTest::router_ = nullptr;

TEST_F(ShippedCityTest, HasEveryLevelAndAnOfficeForEveryStreet) {
  const AreaMap& map = router_->areas();
  int counts[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < map.size(); ++i) {
    const Area& area = map.area(i);
    ++counts[static_cast<int>(area.level)];
    if (area.level == AreaLevel::kStreet) {
      EXPECT_EQ(area.office, "jiedao-" + area.code);
      EXPECT_EQ(router_->DepartmentName(*taxonomy_, area.office), area.office_name);
    }
  }
  EXPECT_EQ(counts[0], 8);   // A1区..A6区, A7县, A8县
  EXPECT_GE(counts[1], 25);  // streets
  EXPECT_GE(counts[2], 3);   // communities
  EXPECT_GE(counts[3], 3);   // grid cells
  // Every street named in the data resolves through the gazetteer to itself.
  for (absl::string_view street :
       {"泉塘街道", "星沙街道", "楚龙街道", "天顶街道", "暮云街道", "西湖街道", "学士街道",
        "洞井街道", "高塘岭街道", "北山镇", "春华镇", "黄兴镇", "安沙镇", "黄花镇", "青山铺镇",
        "江背镇", "榔梨街道"}) {
    std::optional<GazetteerMatch> match =
        gazetteer_->Resolve(absl::StrCat("投诉", street, "的问题"));
    ASSERT_TRUE(match.has_value()) << street;
    EXPECT_EQ(match->area.street.name, street);
  }
}

TEST_F(ShippedCityTest, EverySensorLiesInAStreetItsSiteNames) {
  std::ifstream in(kSource + "/deploy/sensors.example.csv");
  ASSERT_TRUE(in) << "sensors.example.csv";
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "device_id,kind,lat,lon,site");
  int sensors = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> fields = absl::StrSplit(line, absl::MaxSplits(',', 4));
    ASSERT_EQ(fields.size(), 5u) << line;
    double lat = 0, lon = 0;
    ASSERT_TRUE(absl::SimpleAtod(fields[2], &lat) && absl::SimpleAtod(fields[3], &lon)) << line;
    const AreaPath path = router_->areas().Resolve(lat, lon);
    EXPECT_FALSE(path.street.empty()) << fields[0] << " at " << lat << "," << lon;
    const std::string site(absl::StripPrefix(absl::StripSuffix(fields[4], "\""), "\""));
    std::optional<GazetteerMatch> named = gazetteer_->Resolve(site);
    ASSERT_TRUE(named.has_value()) << fields[0] << " " << site;
    EXPECT_EQ(named->area.street, path.street)
        << fields[0] << " " << site << " is at " << path.ToString();
    ++sensors;
  }
  EXPECT_EQ(sensors, 6);
}

TEST_F(ShippedCityTest, ShippedRulesRoute) {
  // C2 in A7县 (泉塘街道): the county's 住建局, assisted by the street.
  const Route county = Decide("C2", "430107007");
  EXPECT_EQ(county.rule, "routing rule a7-roads");
  EXPECT_EQ(county.lead_name, "A7县住房和城乡建设局");
  EXPECT_EQ(county.assisting, std::vector<std::string>({"jiedao-430107007"}));
  // ... but in 星沙街道 the street rule wins.
  EXPECT_EQ(Decide("C2", "430107006").rule, "routing rule xingsha-trunk-roads");
  // 五乱 in 泉塘街道: assisted by its 城管中队.
  const Route wuluan = Decide("A2", "430107007002");
  EXPECT_EQ(wuluan.rule, "routing rule quantang-wuluan");
  EXPECT_EQ(wuluan.assisting, std::vector<std::string>({"zhongdui-430107007", "jiedao-430107007"}));
  EXPECT_EQ(Decide("B4", "430103002").lead, "wenlv");
  EXPECT_EQ(Decide("A6", "430108003").lead, "a8-chengguan");
  // No rule: the taxonomy, then 属地.
  const Route h2 = Decide("H2", "430105003002001");
  EXPECT_EQ(h2.rule, "taxonomy H2; 属地: 洞井街道");
  EXPECT_EQ(h2.lead_name, "洞井街道办事处");
}

// Point-in-polygon speed on the shipped map: random points over the whole city.
TEST_F(ShippedCityTest, ResolvesManyPointsPerSecond) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> lat(27.7, 28.5), lon(112.7, 113.4);
  constexpr int kPoints = 200000;
  std::vector<std::pair<double, double>> points;
  for (int i = 0; i < kPoints; ++i) points.emplace_back(lat(random), lon(random));
  int with_street = 0;
  const absl::Time start = absl::Now();
  for (const auto& [la, lo] : points)
    with_street += !router_->areas().Resolve(la, lo).street.empty();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double rate = kPoints / seconds;
  std::printf("AreaMap::Resolve: %d points in %.3f s = %.0f lookups/s (%d in a street)\n", kPoints,
              seconds, rate, with_street);
  // The map covers its whole bounding box with streets.
  EXPECT_GT(with_street, kPoints * 99 / 100);
  // Far below what it does (millions per second); only a badly broken prefilter fails this.
  EXPECT_GT(rate, 100000);
}

// The gazetteer over real complaints (../shared/data, not in the repository): how many name an
// area of the example city, and how fast.
TEST_F(ShippedCityTest, ResolvesRealComplaintTexts) {
  std::ifstream in(kSource + "/../shared/data/messages.jsonl");
  if (!in) GTEST_SKIP() << "../shared/data/messages.jsonl not present";
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);) {
    const Json message = Json::parse(line);
    texts.push_back(message.at("title").get<std::string>() + "\n" +
                    message.at("text").get<std::string>());
  }
  ASSERT_GT(texts.size(), 4000u);
  int located = 0, to_street = 0;
  size_t bytes = 0;
  const absl::Time start = absl::Now();
  for (const std::string& text : texts) {
    bytes += text.size();
    std::optional<GazetteerMatch> match = gazetteer_->Resolve(text);
    located += match.has_value();
    to_street += match.has_value() && !match->area.street.empty();
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf(
      "Gazetteer::Resolve: %zu messages (%.1f MB) in %.3f s = %.0f messages/s; "
      "%d (%.0f%%) located, %d (%.0f%%) to a street\n",
      texts.size(), bytes / 1e6, seconds, texts.size() / seconds, located,
      100.0 * located / texts.size(), to_street, 100.0 * to_street / texts.size());
  EXPECT_GT(located, static_cast<int>(texts.size()) / 2);
}

}  // namespace
}  // namespace minsheng::processors
