#include <gtest/gtest.h>

#include <string>

#include "ingest/sensor/condition_rules.h"
#include "ingest/sensor/device_registry.h"
#include "ingest/wechat/wechat_message.h"
#include "ingest/wechat_report.h"
#include "processors/sensor_intake.h"
#include "processors/wechat_intake.h"
#include "tests/unit/stage_harness.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::processors {
namespace {

constexpr char kWeChatTopic[] = "minsheng.intake.wechat.v1";
constexpr char kSensorTopic[] = "minsheng.intake.sensor.v1";
constexpr int64_t kT0 = 1740792600;  // 2025-03-01T09:30:00+08:00

class WeChatStageTest : public ::testing::Test {
 protected:
  std::string Report(const std::string& openid, const std::string& msg_id, int64_t time,
                     const std::string& type, const std::string& text = "") {
    ingest::wechat::WeChatMessage message;
    message.to_user = "gh_city";
    message.from_user = openid;
    message.create_time = time;
    message.msg_type = type;
    message.msg_id = msg_id;
    message.content = text;
    message.recognition = text;
    message.location_x = 27.83;
    message.location_y = 113.15;
    message.label = "铁路广场";
    message.pic_url = "http://mmbiz.qpic.cn/p.jpg";
    return ingest::WeChatReportJson(message, harness.vault);
  }
  std::string CaseOf(const std::string& msg_id) {
    auto c = harness.store().FindCaseBySource(v1::CHANNEL_WECHAT, msg_id);
    return c.ok() ? c->case_id() : "";
  }

  testing::TempDir dir;
  StageHarness harness{dir.path()};
  WeChatIntake stage{harness.book, absl::Minutes(10)};
};

TEST_F(WeChatStageTest, MessagesOfOnePersonInOneBatchAssemble) {
  harness.Feed(stage, kWeChatTopic, Report("oA", "1", kT0, "location"));
  harness.Feed(stage, kWeChatTopic, Report("oA", "2", kT0 + 30, "text", "早市摆攤占道"));
  harness.Feed(stage, kWeChatTopic, Report("oB", "3", kT0 + 40, "text", "路灯不亮"));
  harness.Feed(stage, kWeChatTopic, Report("oA", "4", kT0 + 60, "image"));
  harness.Commit(stage);
  EXPECT_EQ(harness.CaseCount(), 2);
  const std::string first = CaseOf("1");
  EXPECT_EQ(CaseOf("2"), first);
  EXPECT_EQ(CaseOf("4"), first);
  EXPECT_NE(CaseOf("3"), first);
  auto c = harness.store().GetCase(first);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->complaint().content(), "早市摆摊占道");  // normalized to Simplified
  EXPECT_EQ(c->complaint().content_original(), "早市摆攤占道");
  EXPECT_EQ(c->complaint().address(), "铁路广场");
  EXPECT_EQ(c->complaint().media_urls_size(), 1);
  EXPECT_EQ(c->version(), 3u);
  EXPECT_EQ(c->complaint().reporter_pseudonym(), harness.vault.Pseudonym("oA"));
  EXPECT_EQ(*harness.vault.Unseal(c->complaint().wechat_openid_sealed()), "oA");
  EXPECT_EQ(harness.Counter(kMergedCounter), 2);
}

TEST_F(WeChatStageTest, RetriesChangeNothingAndALongPauseStartsAnotherCase) {
  harness.Feed(stage, kWeChatTopic, Report("oA", "1", kT0, "text", "井盖丢了"));
  harness.Commit(stage);
  harness.Feed(stage, kWeChatTopic, Report("oA", "1", kT0, "text", "井盖丢了"));
  harness.Feed(stage, kWeChatTopic, Report("oA", "2", kT0 + 601, "text", "另一件事"));
  harness.Commit(stage);
  EXPECT_EQ(harness.CaseCount(), 2);
  EXPECT_NE(CaseOf("2"), CaseOf("1"));
  EXPECT_EQ(harness.Counter(kDuplicatesCounter), 1);
  EXPECT_EQ(harness.store().GetCase(CaseOf("1"))->version(), 1u);
}

TEST_F(WeChatStageTest, AReportJoiningSomeoneElsesCaseDoesNotLetLaterMessagesRewriteIt) {
  const std::string words = "A5区井湾子街道新天地小区东门的垃圾桶没盖，垃圾满溢好几天没人清运，臭气熏天";
  harness.Feed(stage, kWeChatTopic, Report("oA", "A1", kT0, "text", words));
  harness.Commit(stage);
  harness.Feed(stage, kWeChatTopic, Report("oB", "B1", kT0 + 3600, "text", words + "！"));
  harness.Feed(stage, kWeChatTopic, Report("oB", "B2", kT0 + 3630, "image"));
  harness.Commit(stage);
  ASSERT_FALSE(CaseOf("A1").empty());
  EXPECT_EQ(CaseOf("B1"), CaseOf("A1"));  // 并单
  EXPECT_NE(CaseOf("B2"), CaseOf("A1"));  // B's picture is filed on its own
  auto joined = harness.store().GetCase(CaseOf("A1"));
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->report_count(), 2);
  EXPECT_EQ(joined->reporters_size(), 2);
  EXPECT_EQ(joined->complaint().media_urls_size(), 0);  // A's complaint is A's alone
  EXPECT_EQ(harness.Counter(kMergedCounter), 1);
}

TEST_F(WeChatStageTest, BrokenRecordsAreDeadLetters) {
  harness.Feed(stage, kWeChatTopic, "{}");
  harness.Feed(stage, kWeChatTopic, "not json");
  // A CreateTime no clock can have (the assembly window's arithmetic would overflow).
  harness.Feed(stage, kWeChatTopic,
               R"({"msg_id":"m1","openid_pseudonym":"p","msg_type":"text","content":"路灯坏了",)"
               R"("create_time":-9223372036854775807})");
  harness.Commit(stage);
  ASSERT_EQ(harness.dead_letters.size(), 3u);
  EXPECT_EQ(harness.dead_letters[0], "msg_id: missing");
  EXPECT_EQ(harness.dead_letters[2], "create_time: out of range");
  EXPECT_EQ(harness.CaseCount(), 0);
}

class SensorStageTest : public ::testing::Test {
 protected:
  std::string Reading(const std::string& device, const std::string& kind, double value,
                      int64_t minutes) {
    return absl::StrCat(
        R"({"device_id":")", device, R"(","kind":")", kind, R"(","value":)", value,
        R"(,"unit":"%","observed_at":")",
        absl::FormatTime(absl::RFC3339_sec, absl::FromUnixSeconds(kT0 + minutes * 60),
                         absl::UTCTimeZone()),
        R"("})");
  }
  void Feed(const std::string& value) {
    // Kafka took each record an hour after the readings: none is in the future.
    harness.Feed(stage, kSensorTopic, value, 3, (kT0 + 3600) * 1000);
  }

  testing::TempDir dir;
  StageHarness harness{dir.path()};
  ingest::sensor::DeviceRegistry registry = *ingest::sensor::DeviceRegistry::Parse(
      "device_id,kind,lat,lon,site\n"
      "BIN-1,bin_fill,27.8,113.1,铁路广场垃圾桶\n"
      "WC-1,h2s,27.9,113.2,五一广场公厕\n");
  SensorIntake stage{harness.book, registry, ingest::sensor::DefaultRules()};
};

TEST_F(SensorStageTest, ARaisedConditionIsOneCaseThatItsReadingsJoin) {
  Feed(Reading("BIN-1", "bin_fill", 95, 0));
  Feed(Reading("BIN-1", "bin_fill", 97, 1));  // same batch: the case is not in the store yet
  harness.Commit(stage);
  Feed(Reading("BIN-1", "bin_fill", 98, 2));
  harness.Commit(stage);
  EXPECT_EQ(harness.CaseCount(), 1);
  auto c = harness.store().FindCaseBySource(v1::CHANNEL_SENSOR, "BIN-1");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->complaint().address(), "铁路广场垃圾桶");
  EXPECT_DOUBLE_EQ(c->complaint().location().lat(), 27.8);
  EXPECT_EQ(harness.Counter(kDuplicatesCounter), 2);

  Feed(Reading("BIN-1", "bin_fill", 40, 3));
  harness.Commit(stage);
  auto cleared = harness.store().GetCase(c->case_id());
  EXPECT_EQ(cleared->version(), 2u);
  EXPECT_NE(cleared->history().rbegin()->note().find("恢复正常"), std::string::npos);
}

TEST_F(SensorStageTest, UnknownDevicesWrongKindsAndFutureReadingsAreDeadLetters) {
  Feed(Reading("BIN-9", "bin_fill", 95, 0));
  Feed(Reading("WC-1", "bin_fill", 95, 0));
  Feed(Reading("BIN-1", "bin_fill", 95, 24 * 60));  // a day after Kafka took it
  harness.Commit(stage);
  ASSERT_EQ(harness.dead_letters.size(), 3u);
  EXPECT_EQ(harness.dead_letters[0], "device_id: BIN-9 is not in the sensor registry");
  EXPECT_EQ(harness.dead_letters[1], "kind: WC-1 is registered as h2s, not bin_fill");
  EXPECT_EQ(harness.dead_letters[2].rfind("observed_at", 0), 0u) << harness.dead_letters[2];
  EXPECT_EQ(harness.CaseCount(), 0);
}

}  // namespace
}  // namespace minsheng::processors
