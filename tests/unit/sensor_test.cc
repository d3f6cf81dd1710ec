#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ingest/sensor/condition_rules.h"
#include "ingest/sensor/condition_tracker.h"
#include "ingest/sensor/device_registry.h"
#include "ingest/sensor/sensor_reading.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::ingest::sensor {
namespace {

// 2025-03-01T09:30:00+08:00
const absl::Time kNow = absl::FromUnixSeconds(1740792600);

std::string Reading(const std::string& kind, const std::string& value, const std::string& unit,
                    const std::string& more = "") {
  return absl::StrCat(R"({"device_id":"DEV-1","kind":")", kind, R"(","value":)", value,
                      R"(,"unit":")", unit, R"(","observed_at":"2025-03-01T09:30:00+08:00")", more,
                      "}");
}

// Expects an InvalidArgument rejection whose message starts with `prefix`.
template <typename T>
void ExpectError(const absl::StatusOr<T>& result, const std::string& prefix,
                 absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
  ASSERT_FALSE(result.ok()) << "expected an error starting with " << prefix;
  EXPECT_EQ(result.status().code(), code) << result.status();
  EXPECT_TRUE(absl::StartsWith(result.status().message(), prefix))
      << "\"" << result.status().message() << "\" does not start with \"" << prefix << "\"";
}

void ExpectReadingRejected(const std::string& json, const std::string& prefix) {
  SCOPED_TRACE(json);
  ExpectError(ParseSensorReading(json, kNow), prefix);
}

// ---------------------------------------------------------------------------------------------
// ParseSensorReading

TEST(SensorReadingTest, ParsesEveryKind) {
  struct Case {
    std::string kind, value, unit;
    double expected_value;
    std::string expected_unit;
  };
  const Case cases[] = {
      {"bin_fill", "93.5", "%", 93.5, "%"},      {"pm10", "180", "ug/m3", 180, "ug/m3"},
      {"h2s", "1.25", "ppm", 1.25, "ppm"},       {"water_depth", "22", "cm", 22, "cm"},
      {"noise", "71.5", "dB(A)", 71.5, "dB(A)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.kind);
    auto reading = ParseSensorReading(Reading(c.kind, c.value, c.unit), kNow);
    ASSERT_TRUE(reading.ok()) << reading.status();
    EXPECT_EQ(reading->device_id, "DEV-1");
    EXPECT_EQ(reading->kind, c.kind);
    EXPECT_DOUBLE_EQ(reading->value, c.expected_value);
    EXPECT_EQ(reading->unit, c.expected_unit);
    EXPECT_EQ(reading->observed_at, kNow);
    EXPECT_FALSE(reading->lat.has_value());
    EXPECT_FALSE(reading->lon.has_value());
  }
}

TEST(SensorReadingTest, UnitSpellingsBecomeTheCanonicalUnit) {
  const std::pair<std::string, std::string> cases[] = {
      {"pm10", "\xC2\xB5g/m3"},  // micro sign
      {"pm10", "\xCE\xBCg/m3"},  // Greek mu
      {"noise", "dBA"},
  };
  for (const auto& [kind, unit] : cases) {
    SCOPED_TRACE(unit);
    auto reading = ParseSensorReading(Reading(kind, "50", unit), kNow);
    ASSERT_TRUE(reading.ok()) << reading.status();
    EXPECT_EQ(reading->unit, kind == "pm10" ? "ug/m3" : "dB(A)");
  }
}

TEST(SensorReadingTest, LocationAndUnknownFieldsAndOffsets) {
  auto reading = ParseSensorReading(
      R"({"device_id":"WD-7","kind":"water_depth","value":0,"unit":"cm",)"
      R"("observed_at":"2025-03-01T01:29:59.5Z","lat":28.19,"lon":112.97,"battery":3.1,)"
      R"("firmware":{"v":2}})",
      kNow);
  ASSERT_TRUE(reading.ok()) << reading.status();
  EXPECT_EQ(reading->device_id, "WD-7");
  EXPECT_EQ(reading->observed_at, kNow - absl::Milliseconds(500));
  ASSERT_TRUE(reading->lat.has_value());
  ASSERT_TRUE(reading->lon.has_value());
  EXPECT_DOUBLE_EQ(*reading->lat, 28.19);
  EXPECT_DOUBLE_EQ(*reading->lon, 112.97);
}

TEST(SensorReadingTest, RangeEndsAreAccepted) {
  for (const auto& [kind, value, unit] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"bin_fill", "0", "%"},
                                                                      {"bin_fill", "100", "%"},
                                                                      {"pm10", "2000", "ug/m3"},
                                                                      {"h2s", "1000", "ppm"},
                                                                      {"water_depth", "500", "cm"},
                                                                      {"noise", "200", "dB(A)"}}) {
    SCOPED_TRACE(kind + " " + value);
    EXPECT_TRUE(ParseSensorReading(Reading(kind, value, unit), kNow).ok());
  }
}

TEST(SensorReadingTest, WholeReadingErrors) {
  std::string padded = Reading("bin_fill", "50", "%", R"(,"pad":")");
  padded += std::string(kMaxSensorReadingBytes - padded.size() - 2, 'x') + "\"}";
  ASSERT_EQ(padded.size(), kMaxSensorReadingBytes);
  EXPECT_TRUE(ParseSensorReading(padded, kNow).ok());
  padded.insert(padded.size() - 2, "x");
  ExpectReadingRejected(padded, "reading: too large");

  ExpectReadingRejected(Reading("bin_fill", "50", "%", ",\"note\":\"\xFF\""),
                        "reading: invalid UTF-8");
  ExpectReadingRejected(R"({"device_id":"DEV-1",)", "reading: not valid JSON");
  ExpectReadingRejected("", "reading: not valid JSON");
  ExpectReadingRejected(R"(["bin_fill",50])", "reading: must be a JSON object");
}

TEST(SensorReadingTest, DeviceIdErrors) {
  const std::string rest =
      R"("kind":"bin_fill","value":50,"unit":"%","observed_at":"2025-03-01T09:30:00+08:00"})";
  ExpectReadingRejected("{" + rest, "device_id: missing");
  ExpectReadingRejected(R"({"device_id":"  ",)" + rest, "device_id: missing");
  ExpectReadingRejected(R"({"device_id":7,)" + rest, "device_id: must be a string");
  const std::string longest(kMaxDeviceIdBytes, 'd');
  EXPECT_TRUE(ParseSensorReading(R"({"device_id":")" + longest + R"(",)" + rest, kNow).ok());
  ExpectReadingRejected(R"({"device_id":")" + longest + R"(d",)" + rest,
                        "device_id: longer than 128 bytes");
}

TEST(SensorReadingTest, KindErrors) {
  auto unknown = ParseSensorReading(Reading("ph", "7", "pH"), kNow);
  ExpectError(unknown, "kind: ");
  EXPECT_EQ(unknown.status().message(),
            "kind: unknown \"ph\" (expected bin_fill, pm10, h2s, water_depth or noise)");
  ExpectReadingRejected(
      R"({"device_id":"D","value":1,"unit":"%","observed_at":"2025-03-01T09:30:00Z"})",
      "kind: missing");
  ExpectReadingRejected(
      R"({"device_id":"D","kind":["pm10"],"value":1,"unit":"%","observed_at":"2025-03-01T09:30:00Z"})",
      "kind: must be a string");
  ExpectReadingRejected(Reading("Bin_Fill", "50", "%"), "kind: unknown \"Bin_Fill\"");
}

TEST(SensorReadingTest, ValueErrors) {
  ExpectReadingRejected(
      R"({"device_id":"D","kind":"pm10","unit":"ug/m3","observed_at":"2025-03-01T09:30:00Z"})",
      "value: missing");
  ExpectReadingRejected(Reading("pm10", "\"80\"", "ug/m3"), "value: must be a number");
  ExpectReadingRejected(Reading("pm10", "true", "ug/m3"), "value: must be a number");
  // nlohmann::json refuses numbers that overflow a double, so no infinity reaches the checks.
  auto infinite = ParseSensorReading(Reading("pm10", "1e400", "ug/m3"), kNow);
  EXPECT_FALSE(infinite.ok());

  auto impossible = ParseSensorReading(Reading("bin_fill", "140", "%"), kNow);
  ExpectError(impossible, "value: ");
  EXPECT_EQ(impossible.status().message(), "value: 140 is impossible for bin_fill (0..100 %)");
  ExpectReadingRejected(Reading("bin_fill", "100.5", "%"), "value: 100.5 is impossible");
  ExpectReadingRejected(Reading("water_depth", "-1", "cm"),
                        "value: -1 is impossible for water_depth (0..500 cm)");
  ExpectReadingRejected(Reading("pm10", "2001", "ug/m3"),
                        "value: 2001 is impossible for pm10 (0..2000 ug/m3)");
  ExpectReadingRejected(Reading("h2s", "1000.1", "ppm"), "value: 1000.1 is impossible for h2s");
  ExpectReadingRejected(Reading("noise", "250", "dB(A)"),
                        "value: 250 is impossible for noise (0..200 dB(A))");
}

TEST(SensorReadingTest, UnitErrors) {
  auto wrong = ParseSensorReading(Reading("bin_fill", "50", "cm"), kNow);
  ExpectError(wrong, "unit: ");
  EXPECT_EQ(wrong.status().message(), "unit: expected % for bin_fill, got cm");
  ExpectReadingRejected(Reading("pm10", "50", "mg/m3"), "unit: expected ug/m3 for pm10, got mg/m3");
  ExpectReadingRejected(Reading("noise", "50", "dB"), "unit: expected dB(A) for noise, got dB");
  ExpectReadingRejected(Reading("h2s", "50", "ug/m3"), "unit: expected ppm for h2s");
  // An alias of another kind's unit is still the wrong unit.
  ExpectReadingRejected(Reading("h2s", "1", "dBA"), "unit: expected ppm for h2s, got dBA");
  ExpectReadingRejected(
      R"({"device_id":"D","kind":"pm10","value":1,"observed_at":"2025-03-01T09:30:00Z"})",
      "unit: missing");
  // The unit is judged before the range: 140 cm is no statement about a bin's fill.
  ExpectReadingRejected(Reading("bin_fill", "140", "cm"), "unit: expected %");
}

TEST(SensorReadingTest, ObservedAtErrors) {
  const std::string head = R"({"device_id":"D","kind":"noise","value":65,"unit":"dBA")";
  ExpectReadingRejected(head + "}", "observed_at: missing");
  ExpectReadingRejected(head + R"(,"observed_at":1740792600})", "observed_at: must be a string");
  ExpectReadingRejected(head + R"(,"observed_at":"2025-03-01T09:30:00"})",
                        "observed_at: not an RFC 3339 time with offset");
  ExpectReadingRejected(head + R"(,"observed_at":"2025-03-01 09:30"})",
                        "observed_at: not an RFC 3339 time with offset");
  ExpectReadingRejected(head + R"(,"observed_at":"yesterday"})",
                        "observed_at: not an RFC 3339 time with offset");
}

TEST(SensorReadingTest, FutureTimestamps) {
  const std::string head = R"({"device_id":"D","kind":"noise","value":65,"unit":"dBA")";
  // Exactly five minutes of clock skew is tolerated, also across offsets.
  auto skewed = ParseSensorReading(head + R"(,"observed_at":"2025-03-01T01:35:00Z"})", kNow);
  ASSERT_TRUE(skewed.ok()) << skewed.status();
  EXPECT_EQ(skewed->observed_at, kNow + absl::Minutes(5));
  ExpectReadingRejected(head + R"(,"observed_at":"2025-03-01T09:35:01+08:00"})",
                        "observed_at: in the future");
  ExpectReadingRejected(head + R"(,"observed_at":"2025-03-02T09:30:00+08:00"})",
                        "observed_at: in the future");
  // The same instant is fine a little later.
  EXPECT_TRUE(ParseSensorReading(head + R"(,"observed_at":"2025-03-02T09:30:00+08:00"})",
                                 kNow + absl::Hours(24))
                  .ok());
  // Old readings are not the parser's business.
  EXPECT_TRUE(
      ParseSensorReading(head + R"(,"observed_at":"2024-01-01T00:00:00+08:00"})", kNow).ok());
}

TEST(SensorReadingTest, LocationErrors) {
  ExpectReadingRejected(Reading("bin_fill", "50", "%", R"(,"lat":28.1)"), "lon: missing");
  ExpectReadingRejected(Reading("bin_fill", "50", "%", R"(,"lon":112.9)"), "lat: missing");
  ExpectReadingRejected(Reading("bin_fill", "50", "%", R"(,"lat":"28.1","lon":112.9)"),
                        "lat: must be a number");
  ExpectReadingRejected(Reading("bin_fill", "50", "%", R"(,"lat":28.1,"lon":[1])"),
                        "lon: must be a number");
  ExpectReadingRejected(Reading("bin_fill", "50", "%", R"(,"lat":90.5,"lon":112.9)"),
                        "lat: out of range");
  ExpectReadingRejected(Reading("bin_fill", "50", "%", R"(,"lat":28.1,"lon":-180.5)"),
                        "lon: out of range");
  EXPECT_TRUE(
      ParseSensorReading(Reading("bin_fill", "50", "%", R"(,"lat":null,"lon":null)"), kNow).ok());
}

TEST(SensorReadingTest, FindSensorKind) {
  auto noise = FindSensorKind("noise");
  ASSERT_TRUE(noise.ok());
  EXPECT_EQ(noise->unit, "dB(A)");
  EXPECT_EQ(noise->max, 200);
  ExpectError(FindSensorKind("co2"), "kind: unknown \"co2\"");
}

// ---------------------------------------------------------------------------------------------
// DeviceRegistry

constexpr char kDevicesCsv[] =
    "\xEF\xBB\xBF"
    "device_id,kind,lat,lon,site\r\n"
    "BIN-0042,bin_fill,28.1941,112.9823,\"五一广场东侧, 3号垃圾桶\"\r\n"
    "\r\n"
    "PM-7,pm10,28.2,113.01,\"湘江新区\"\"梅溪湖\"\"工地\"\r\n"
    "WC-1, h2s ,-28.5,-112.25,火车站公厕\n"
    "WD-9,water_depth,0,0,\n"
    "NZ-3,noise,90,180,\"\"";  // no newline at the end

TEST(DeviceRegistryTest, ParsesQuotedChineseSites) {
  auto registry = DeviceRegistry::Parse(kDevicesCsv);
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->size(), 5u);

  const RegisteredDevice* bin = registry->Find("BIN-0042");
  ASSERT_NE(bin, nullptr);
  EXPECT_EQ(bin->device_id, "BIN-0042");
  EXPECT_EQ(bin->kind, "bin_fill");
  EXPECT_DOUBLE_EQ(bin->lat, 28.1941);
  EXPECT_DOUBLE_EQ(bin->lon, 112.9823);
  EXPECT_EQ(bin->site, "五一广场东侧, 3号垃圾桶");

  const RegisteredDevice* pm = registry->Find("PM-7");
  ASSERT_NE(pm, nullptr);
  EXPECT_EQ(pm->site, "湘江新区\"梅溪湖\"工地");

  const RegisteredDevice* toilet = registry->Find("WC-1");
  ASSERT_NE(toilet, nullptr);
  EXPECT_EQ(toilet->kind, "h2s");
  EXPECT_DOUBLE_EQ(toilet->lat, -28.5);
  EXPECT_DOUBLE_EQ(toilet->lon, -112.25);
  EXPECT_EQ(toilet->site, "火车站公厕");

  ASSERT_NE(registry->Find("WD-9"), nullptr);
  EXPECT_EQ(registry->Find("WD-9")->site, "");
  ASSERT_NE(registry->Find("NZ-3"), nullptr);
  EXPECT_DOUBLE_EQ(registry->Find("NZ-3")->lon, 180);

  EXPECT_EQ(registry->Find("BIN-0043"), nullptr);
  EXPECT_EQ(registry->Find("bin-0042"), nullptr);
  EXPECT_EQ(registry->Find(""), nullptr);
}

TEST(DeviceRegistryTest, LoadsAFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/devices.csv";
  std::ofstream(path) << kDevicesCsv;
  auto registry = DeviceRegistry::Load(path);
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->size(), 5u);
  EXPECT_NE(registry->Find("NZ-3"), nullptr);

  std::ofstream(path) << "device_id,kind,lat,lon,site\nA,bin_fill,north,1,x\n";
  ExpectError(DeviceRegistry::Load(path), path + ": line 2: lat: not a number");
  ExpectError(DeviceRegistry::Load(dir.path() + "/missing.csv"),
              dir.path() + "/missing.csv: cannot open", absl::StatusCode::kNotFound);
}

TEST(DeviceRegistryTest, HeaderOnlyIsEmpty) {
  auto registry = DeviceRegistry::Parse("device_id,kind,lat,lon,site\n");
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->size(), 0u);
  EXPECT_EQ(registry->Find("A"), nullptr);
}

TEST(DeviceRegistryTest, ErrorsNameTheLine) {
  const std::string header = "device_id,kind,lat,lon,site\n";
  const std::string good = "A,bin_fill,28,112,甲\n";
  struct Case {
    std::string csv, error;
  };
  const Case cases[] = {
      {"", "line 1: header: expected device_id,kind,lat,lon,site"},
      {"id,kind,lat,lon,site\n" + good, "line 1: header: expected device_id,kind,lat,lon,site"},
      {"device_id,kind,lat,lon\n", "line 1: header: expected"},
      {header + good + "B,pm10,north,112,乙\n", "line 3: lat: not a number"},
      {header + good + "B,pm10,28,east,乙\n", "line 3: lon: not a number"},
      {header + good + "B,pm10,,112,乙\n", "line 3: lat: not a number"},
      {header + good + "B,pm10,91,112,乙\n", "line 3: lat: out of range [-90, 90]"},
      {header + good + "B,pm10,28,-181,乙\n", "line 3: lon: out of range [-180, 180]"},
      {header + good + "\nB,ph,28,112,乙\n",
       "line 4: kind: unknown \"ph\" (expected bin_fill, pm10, h2s, water_depth or noise)"},
      {header + good + "B,pm10,28,112,乙\nC,noise,28,112,丙\nA,h2s,28,112,丁\n",
       "line 5: device_id: repeats line 2"},
      {header + good + ",pm10,28,112,乙\n", "line 3: device_id: missing"},
      {header + good + std::string(129, 'x') + ",pm10,28,112,乙\n",
       "line 3: device_id: longer than 128 bytes"},
      {header + good + "B,pm10,28,112\n", "line 3: expected 5 fields"},
      {header + good + "B,pm10,28,112,乙,extra\n", "line 3: expected 5 fields"},
      {header + good + "B,pm10,28,112,\"乙\n", "line 3: column 5: unterminated quote"},
      {header + good + "B,pm10,28,112,\"乙\"x\n", "line 3: column 5: text after the closing quote"},
      {header + good + "B,pm10,28,112,\xE4\xB9\n", "line 3: invalid UTF-8"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.csv);
    ExpectError(DeviceRegistry::Parse(c.csv), c.error);
  }
}

// ---------------------------------------------------------------------------------------------
// Condition rules

TEST(ConditionRulesTest, Defaults) {
  const std::vector<ConditionRule> rules = DefaultRules();
  ASSERT_EQ(rules.size(), 5u);
  struct Expected {
    std::string kind;
    double raise_at, clear_below;
    absl::Duration sustain;
    bool urgent;
    std::string problem;
    std::string category;
  };
  const Expected expected[] = {
      {"bin_fill", 90, 70, absl::ZeroDuration(), false, "垃圾桶满溢", "B2"},
      {"pm10", 150, 100, absl::Minutes(15), false, "工地扬尘", "C1"},
      {"h2s", 1.0, 0.5, absl::Minutes(10), false, "公厕异味", "B4"},
      {"water_depth", 15, 5, absl::ZeroDuration(), true, "道路积水", "B6"},
      {"noise", 70, 60, absl::Minutes(10), false, "噪音扰民", "A7"},
  };
  for (size_t i = 0; i < rules.size(); ++i) {
    SCOPED_TRACE(expected[i].kind);
    EXPECT_EQ(rules[i].kind, expected[i].kind);
    EXPECT_DOUBLE_EQ(rules[i].raise_at, expected[i].raise_at);
    EXPECT_DOUBLE_EQ(rules[i].clear_below, expected[i].clear_below);
    EXPECT_LT(rules[i].clear_below, rules[i].raise_at);
    EXPECT_EQ(rules[i].sustain, expected[i].sustain);
    EXPECT_EQ(rules[i].urgent, expected[i].urgent);
    EXPECT_EQ(rules[i].problem, expected[i].problem);
    EXPECT_EQ(rules[i].category, expected[i].category);
    EXPECT_EQ(FindRule(rules, expected[i].kind), &rules[i]);
  }
  EXPECT_EQ(FindRule(rules, "ph"), nullptr);
}

TEST(ConditionRulesTest, EmptyYamlMeansDefaults) {
  for (const char* yaml : {"", "# nothing\n", "rules:\n", "rules: []\n"}) {
    SCOPED_TRACE(yaml);
    auto rules = ParseRules(yaml);
    ASSERT_TRUE(rules.ok()) << rules.status();
    ASSERT_EQ(rules->size(), 5u);
    EXPECT_DOUBLE_EQ(FindRule(*rules, "pm10")->raise_at, 150);
  }
}

TEST(ConditionRulesTest, YamlReplacesTheRulesOfItsKinds) {
  auto rules = ParseRules(R"(
rules:
  - {kind: pm10, raise_at: 120, clear_below: 80, sustain_minutes: 30, urgent: true, problem: 扬尘超标}
  - kind: noise
    raise_at: 55
    clear_below: 45
    sustain_minutes: 0.5
    problem: 夜间施工噪音
    category: C1
)");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 5u);
  const ConditionRule* pm10 = FindRule(*rules, "pm10");
  ASSERT_NE(pm10, nullptr);
  EXPECT_DOUBLE_EQ(pm10->raise_at, 120);
  EXPECT_DOUBLE_EQ(pm10->clear_below, 80);
  EXPECT_EQ(pm10->sustain, absl::Minutes(30));
  EXPECT_TRUE(pm10->urgent);
  EXPECT_EQ(pm10->problem, "扬尘超标");
  const ConditionRule* noise = FindRule(*rules, "noise");
  ASSERT_NE(noise, nullptr);
  EXPECT_DOUBLE_EQ(noise->raise_at, 55);
  EXPECT_DOUBLE_EQ(noise->clear_below, 45);
  EXPECT_EQ(noise->sustain, absl::Seconds(30));
  EXPECT_FALSE(noise->urgent);
  EXPECT_EQ(noise->problem, "夜间施工噪音");
  EXPECT_EQ(noise->category, "C1");
  EXPECT_EQ(pm10->category, "C1");  // left out: the default's
  // Kinds the file leaves alone keep their defaults.
  const ConditionRule* water = FindRule(*rules, "water_depth");
  ASSERT_NE(water, nullptr);
  EXPECT_DOUBLE_EQ(water->raise_at, 15);
  EXPECT_TRUE(water->urgent);
  EXPECT_EQ(FindRule(*rules, "bin_fill")->problem, "垃圾桶满溢");
}

TEST(ConditionRulesTest, FieldsARuleLeavesOutKeepTheDefault) {
  auto rules = ParseRules("rules: [{kind: bin_fill, raise_at: 95}]");
  ASSERT_TRUE(rules.ok()) << rules.status();
  const ConditionRule* bin = FindRule(*rules, "bin_fill");
  EXPECT_DOUBLE_EQ(bin->raise_at, 95);
  EXPECT_DOUBLE_EQ(bin->clear_below, 70);
  EXPECT_EQ(bin->sustain, absl::ZeroDuration());
  EXPECT_EQ(bin->problem, "垃圾桶满溢");
}

TEST(ConditionRulesTest, InvalidRulesAreNamed) {
  struct Case {
    std::string yaml, error;
  };
  const Case cases[] = {
      {"rules: [{kind: pm10, raise_at: 150, clear_below: 160}]",
       "rule 1 (pm10): clear_below: 160 is above raise_at 150"},
      {"rules: [{kind: bin_fill, raise_at: 95}, {kind: pm10, clear_below: 200}]",
       "rule 2 (pm10): clear_below: 200 is above raise_at 150"},
      {"rules: [{kind: bin_fill}, {kind: ph, raise_at: 9}]", "rule 2: kind: unknown \"ph\""},
      {"rules: [{raise_at: 9}]", "rule 1: kind: missing"},
      {"rules: [{kind: [pm10]}]", "rule 1: kind: must be a single value"},
      {"rules: [{kind: pm10, sustain_minutes: -1}]",
       "rule 1 (pm10): sustain_minutes: must not be negative"},
      {"rules: [{kind: pm10, raise_at: high}]",
       "rule 1 (pm10): raise_at: expected a number, got high"},
      {"rules: [{kind: pm10, raise_at: .nan}]", "rule 1 (pm10): raise_at: not a finite number"},
      {"rules: [{kind: pm10, raise_at: 2500}]",
       "rule 1 (pm10): raise_at: 2500 is impossible for pm10 (0..2000 ug/m3)"},
      {"rules: [{kind: noise, clear_below: 0}]",
       "rule 1 (noise): clear_below: 0 would never clear"},
      {"rules: [{kind: noise, urgent: maybe}]", "rule 1 (noise): urgent: expected true or false"},
      {"rules: [{kind: noise, problem: \"  \"}]", "rule 1 (noise): problem: missing"},
      {"rules: [{kind: noise, category: \"\"}]", "rule 1 (noise): category: missing"},
      {"rules: [{kind: noise, sustain: 5}]", "rule 1 (noise): unknown key sustain"},
      {"rules: [{kind: noise}, {kind: h2s}, {kind: noise}]", "rule 3 (noise): repeats rule 1"},
      {"rules: [pm10]", "rule 1: expected a mapping"},
      {"rules: {kind: pm10}", "rules: expected a list"},
      {"rule: []", "unknown key rule (expected rules)"},
      {"- kind: pm10", "expected a mapping with a rules list"},
      {"rules: [{kind: pm10", "not valid YAML"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    ExpectError(ParseRules(c.yaml), c.error);
  }
}

TEST(ConditionRulesTest, LoadRulesReadsAFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/rules.yaml";
  std::ofstream(path) << "rules:\n  - {kind: water_depth, raise_at: 20, clear_below: 10, "
                         "sustain_minutes: 0, urgent: true, problem: 道路积水}\n";
  auto rules = LoadRules(path);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_DOUBLE_EQ(FindRule(*rules, "water_depth")->raise_at, 20);
  EXPECT_DOUBLE_EQ(FindRule(*rules, "water_depth")->clear_below, 10);

  std::ofstream(path) << "rules: [{kind: pm10, raise_at: 10, clear_below: 20}]\n";
  ExpectError(LoadRules(path), path + ": rule 1 (pm10): clear_below: 20 is above raise_at 10");
  ExpectError(LoadRules(dir.path() + "/none.yaml"), dir.path() + "/none.yaml: cannot open",
              absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------------------------
// ConditionTracker

const absl::Time kStart = absl::FromUnixSeconds(1740790800);  // 2025-03-01T09:00:00+08:00

absl::Time At(double minutes) { return kStart + absl::Seconds(minutes * 60); }

SensorReading Sample(const std::string& kind, double value, double minutes) {
  SensorReading reading;
  reading.device_id = "DEV-1";
  reading.kind = kind;
  reading.value = value;
  reading.unit = std::string(FindSensorKind(kind)->unit);
  reading.observed_at = At(minutes);
  return reading;
}

ConditionRule Rule(const std::string& kind) { return *FindRule(DefaultRules(), kind); }

// Applies (value, minute) readings in order and returns the transitions.
std::vector<Transition> Feed(const ConditionRule& rule, ConditionState& state,
                             const std::vector<std::pair<double, double>>& readings) {
  std::vector<Transition> out;
  for (const auto& [value, minutes] : readings) {
    out.push_back(ApplyReading(rule, Sample(rule.kind, value, minutes), state));
  }
  return out;
}

using T = Transition;

TEST(ConditionTrackerTest, PersistingConditionRaisesOnce) {
  const ConditionRule bin = Rule("bin_fill");
  ConditionState state;
  EXPECT_EQ(
      Feed(bin, state, {{50, 0}, {89.9, 1}, {90, 2}, {95, 3}, {99, 4}, {93, 5}, {100, 60}}),
      (std::vector<T>{T::kNone, T::kNone, T::kRaised, T::kNone, T::kNone, T::kNone, T::kNone}));
  EXPECT_TRUE(state.active);
  EXPECT_EQ(state.raised_at, At(2));
  EXPECT_EQ(state.above_since, At(2));
  EXPECT_EQ(state.last_observed, At(60));
  EXPECT_DOUBLE_EQ(state.peak, 100);
}

TEST(ConditionTrackerTest, ZeroSustainRaisesAtTheFirstReading) {
  const ConditionRule water = Rule("water_depth");
  ConditionState state;
  EXPECT_EQ(ApplyReading(water, Sample("water_depth", 30, 0), state), T::kRaised);
  EXPECT_TRUE(state.active);
  EXPECT_EQ(state.raised_at, At(0));
  EXPECT_DOUBLE_EQ(state.peak, 30);
}

TEST(ConditionTrackerTest, HysteresisBetweenTheThresholds) {
  const ConditionRule bin = Rule("bin_fill");  // raise at 90, clear below 70
  ConditionState state;
  // Between the thresholds never raises, however long.
  EXPECT_EQ(Feed(bin, state, {{75, 0}, {89, 10}, {85, 20}, {70, 30}}),
            (std::vector<T>(4, T::kNone)));
  EXPECT_FALSE(state.active);
  // Once raised, the same values neither clear nor raise again; 70 is not below 70.
  EXPECT_EQ(Feed(bin, state, {{92, 40}, {80, 41}, {89.9, 42}, {70, 43}, {91, 44}, {75, 45}}),
            (std::vector<T>{T::kRaised, T::kNone, T::kNone, T::kNone, T::kNone, T::kNone}));
  EXPECT_TRUE(state.active);
  EXPECT_EQ(ApplyReading(bin, Sample("bin_fill", 69.9, 46), state), T::kCleared);
  EXPECT_FALSE(state.active);
  EXPECT_EQ(state.above_since, absl::InfinitePast());
  EXPECT_EQ(state.raised_at, At(40));  // kept for whoever reports the clear
  EXPECT_DOUBLE_EQ(state.peak, 92);
  // After the clear, the band between the thresholds raises nothing either.
  EXPECT_EQ(Feed(bin, state, {{80, 47}, {89, 48}}), (std::vector<T>(2, T::kNone)));
  EXPECT_FALSE(state.active);
}

TEST(ConditionTrackerTest, Pm10MustBeSustainedFifteenMinutes) {
  const ConditionRule pm10 = Rule("pm10");
  ConditionState state;
  EXPECT_EQ(Feed(pm10, state, {{160, 0}, {200, 5}, {155, 14}, {151, 14.99}}),
            (std::vector<T>(4, T::kNone)));
  EXPECT_FALSE(state.active);
  EXPECT_EQ(state.above_since, At(0));
  EXPECT_EQ(ApplyReading(pm10, Sample("pm10", 150, 15), state), T::kRaised);
  EXPECT_TRUE(state.active);
  EXPECT_EQ(state.raised_at, At(15));
  EXPECT_EQ(state.above_since, At(0));
  EXPECT_DOUBLE_EQ(state.peak, 200);
}

TEST(ConditionTrackerTest, Pm10DipRestartsTheRun) {
  const ConditionRule pm10 = Rule("pm10");
  ConditionState state;
  // A dip below raise_at, even above clear_below, ends the run; the next one starts at 12.
  EXPECT_EQ(Feed(pm10, state, {{160, 0}, {170, 10}, {140, 11}, {160, 12}, {160, 16}, {165, 26.9}}),
            (std::vector<T>(6, T::kNone)));
  EXPECT_EQ(state.above_since, At(12));
  EXPECT_DOUBLE_EQ(state.peak, 165);  // the new run's, not the old one's 170
  EXPECT_EQ(ApplyReading(pm10, Sample("pm10", 160, 27), state), T::kRaised);
  EXPECT_EQ(state.raised_at, At(27));

  // A deep dip restarts the run the same way.
  ConditionState other;
  EXPECT_EQ(Feed(pm10, other, {{160, 0}, {20, 14}, {160, 15}, {160, 29}}),
            (std::vector<T>(4, T::kNone)));
  EXPECT_EQ(ApplyReading(pm10, Sample("pm10", 160, 30), other), T::kRaised);
}

TEST(ConditionTrackerTest, LateReadingNeverClearsAnActiveCondition) {
  const ConditionRule bin = Rule("bin_fill");
  ConditionState state;
  EXPECT_EQ(Feed(bin, state, {{95, 10}}), (std::vector<T>{T::kRaised}));
  const ConditionState before = state;
  // A low reading taken before the raise arrives late: it must not clear the condition.
  EXPECT_EQ(ApplyReading(bin, Sample("bin_fill", 10, 9), state), T::kIgnoredOutOfOrder);
  EXPECT_EQ(state, before);
  EXPECT_TRUE(state.active);
  // The same reading again (a Kafka redelivery) is ignored too.
  EXPECT_EQ(ApplyReading(bin, Sample("bin_fill", 95, 10), state), T::kIgnoredOutOfOrder);
  EXPECT_EQ(ApplyReading(bin, Sample("bin_fill", 10, 10), state), T::kIgnoredOutOfOrder);
  EXPECT_EQ(state, before);
  // A newer high reading keeps it, then the late low one is still ignored: no flapping.
  EXPECT_EQ(Feed(bin, state, {{96, 11}, {5, 10.5}, {5, 1}, {97, 12}}),
            (std::vector<T>{T::kNone, T::kIgnoredOutOfOrder, T::kIgnoredOutOfOrder, T::kNone}));
  EXPECT_TRUE(state.active);
  EXPECT_EQ(state.raised_at, At(10));
}

TEST(ConditionTrackerTest, LateReadingNeverRaisesOrBreaksARun) {
  const ConditionRule pm10 = Rule("pm10");
  ConditionState state;
  EXPECT_EQ(Feed(pm10, state, {{20, 30}}), (std::vector<T>{T::kNone}));
  // High readings from before the newest one do not start a run.
  EXPECT_EQ(Feed(pm10, state, {{300, 0}, {300, 15}, {300, 29}}),
            (std::vector<T>(3, T::kIgnoredOutOfOrder)));
  EXPECT_EQ(state.above_since, absl::InfinitePast());
  EXPECT_FALSE(state.active);
  // A late low reading inside a run does not restart it.
  EXPECT_EQ(Feed(pm10, state, {{160, 31}, {160, 40}, {50, 35}, {160, 46}}),
            (std::vector<T>{T::kNone, T::kNone, T::kIgnoredOutOfOrder, T::kRaised}));
  EXPECT_EQ(state.raised_at, At(46));
}

TEST(ConditionTrackerTest, ShuffledRepeatsGiveTheSameOutcomeAsInOrder) {
  const ConditionRule noise = Rule("noise");
  const std::vector<std::pair<double, double>> in_order = {{65, 0},  {72, 1},  {75, 6}, {80, 11},
                                                           {65, 15}, {59, 20}, {71, 21}};
  ConditionState clean;
  const std::vector<T> expected = Feed(noise, clean, in_order);
  EXPECT_EQ(expected, (std::vector<T>{T::kNone, T::kNone, T::kNone, T::kRaised, T::kNone,
                                      T::kCleared, T::kNone}));
  // Every reading delivered again after later ones: the repeats change nothing.
  ConditionState replayed;
  std::vector<T> transitions;
  for (size_t i = 0; i < in_order.size(); ++i) {
    const std::vector<T> step = Feed(noise, replayed, {in_order[i]});
    transitions.push_back(step[0]);
    for (size_t j = 0; j <= i; ++j) {
      EXPECT_EQ(Feed(noise, replayed, {in_order[j]}), (std::vector<T>{T::kIgnoredOutOfOrder}));
    }
  }
  EXPECT_EQ(transitions, expected);
  EXPECT_EQ(replayed, clean);
}

TEST(ConditionTrackerTest, ClearThenRaiseAgain) {
  const ConditionRule water = Rule("water_depth");
  ConditionState state;
  EXPECT_EQ(Feed(water, state, {{20, 0}, {25, 5}, {4, 30}, {3, 35}, {18, 60}, {30, 61}}),
            (std::vector<T>{T::kRaised, T::kNone, T::kCleared, T::kNone, T::kRaised, T::kNone}));
  EXPECT_TRUE(state.active);
  EXPECT_EQ(state.raised_at, At(60));
  EXPECT_EQ(state.above_since, At(60));
  EXPECT_DOUBLE_EQ(state.peak, 30);
}

TEST(ConditionTrackerTest, ReadingOfAnotherKindIsIgnored) {
  ConditionState state;
  EXPECT_EQ(ApplyReading(Rule("bin_fill"), Sample("water_depth", 99, 0), state), T::kNone);
  EXPECT_EQ(state, ConditionState());
}

TEST(ConditionTrackerTest, StateSurvivesEncodingBetweenEveryReading) {
  const ConditionRule pm10 = Rule("pm10");
  const std::vector<std::pair<double, double>> readings = {
      {160, 0}, {170, 7}, {180, 15}, {120, 20}, {90, 30}, {150, 31}, {10, 2}};
  ConditionState kept;
  const std::vector<T> expected = Feed(pm10, kept, readings);
  ConditionState restored;
  std::vector<T> transitions;
  for (const auto& reading : readings) {
    transitions.push_back(Feed(pm10, restored, {reading})[0]);
    auto decoded = DecodeState(EncodeState(restored));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    restored = *decoded;
  }
  EXPECT_EQ(transitions, expected);
  EXPECT_EQ(restored, kept);
  EXPECT_EQ(expected, (std::vector<T>{T::kNone, T::kNone, T::kRaised, T::kNone, T::kCleared,
                                      T::kNone, T::kIgnoredOutOfOrder}));
}

TEST(ConditionStateTest, EncodeDecodeRoundTripIsExact) {
  ConditionState fresh;
  ConditionState active;
  active.active = true;
  // Quarter nanoseconds are absl::Time's resolution.
  active.above_since = kStart + absl::Nanoseconds(123456789) + absl::Nanoseconds(1) / 4 * 3;
  active.last_observed = absl::FromUnixSeconds(-86400 * 365) - absl::Nanoseconds(1) / 4;
  active.raised_at = absl::InfiniteFuture();
  active.peak = 1234.5678901234567;
  ConditionState negative_zero;
  negative_zero.peak = -0.0;
  negative_zero.last_observed = absl::FromUnixSeconds(0);
  for (const ConditionState& state : {fresh, active, negative_zero}) {
    const std::string bytes = EncodeState(state);
    EXPECT_EQ(bytes.size(), 49u);
    auto decoded = DecodeState(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, state);
    EXPECT_EQ(std::signbit(decoded->peak), std::signbit(state.peak));
    EXPECT_EQ(EncodeState(*decoded), bytes);
  }
  EXPECT_NE(EncodeState(fresh), EncodeState(active));
}

TEST(ConditionStateTest, CorruptBytesAreDataLoss) {
  ConditionState state;
  state.active = true;
  state.raised_at = kStart;
  const std::string good = EncodeState(state);
  ExpectError(DecodeState(""), "condition state: 0 bytes", absl::StatusCode::kDataLoss);
  ExpectError(DecodeState(good.substr(1)), "condition state: 48 bytes",
              absl::StatusCode::kDataLoss);
  ExpectError(DecodeState(good + "x"), "condition state: 50 bytes", absl::StatusCode::kDataLoss);
  std::string bad = good;
  bad[0] = 2;
  ExpectError(DecodeState(bad), "condition state: unknown version 2", absl::StatusCode::kDataLoss);
  bad = good;
  bad[1] = 3;
  ExpectError(DecodeState(bad), "condition state: unknown flags", absl::StatusCode::kDataLoss);
  bad = good;
  bad[2] = 7;  // above_since's tag
  ExpectError(DecodeState(bad), "condition state: corrupt time", absl::StatusCode::kDataLoss);
  bad = good;
  bad[2 + 9 + 3] = static_cast<char>(0xFF);  // above_since (InfinitePast) with a payload
  ExpectError(DecodeState(bad), "condition state: corrupt time", absl::StatusCode::kDataLoss);
  bad = good;
  for (int i = 0; i < 4; ++i) bad[2 + 13 + 13 + 9 + i] = static_cast<char>(0xFF);  // ticks
  ExpectError(DecodeState(bad), "condition state: corrupt time", absl::StatusCode::kDataLoss);
}

TEST(ConditionTrackerTest, TransitionNames) {
  EXPECT_EQ(TransitionName(T::kNone), "none");
  EXPECT_EQ(TransitionName(T::kRaised), "raised");
  EXPECT_EQ(TransitionName(T::kCleared), "cleared");
  EXPECT_EQ(TransitionName(T::kIgnoredOutOfOrder), "ignored_out_of_order");
}

}  // namespace
}  // namespace minsheng::ingest::sensor
