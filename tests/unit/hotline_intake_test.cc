#include "processors/hotline_intake.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "processors/case_book.h"
#include "tests/unit/stage_harness.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::processors {
namespace {

constexpr char kTopic[] = "minsheng.intake.hotline.v1";

// The hotline stage on a StageHarness.
class IntakeHarness : public StageHarness {
 public:
  using StageHarness::StageHarness;
  void Feed(const std::string& value, int32_t partition = 3) {
    StageHarness::Feed(intake, kTopic, value, partition);
  }
  void Commit() { StageHarness::Commit(intake); }
  HotlineIntake intake{book};
};

std::string Order(const std::string& id) {
  return R"({"work_order_id":")" + id +
         R"(","received_at":"2025-03-01T23:30:00+08:00","content":"油烟扰民"})";
}

TEST(HotlineIntakeTest, OpensOneReceivedCasePerWorkOrder) {
  testing::TempDir dir;
  IntakeHarness harness(dir.path());
  harness.Feed(Order("WO-1"));
  harness.Commit();
  auto c = harness.store().FindCaseBySource(v1::CHANNEL_HOTLINE, "WO-1");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->case_id(), "MS-20250301-H03000001");  // the caller's local date, not UTC's
  EXPECT_NE(c->status(), v1::CASE_STATUS_RECEIVED);  // dispatched, or waiting for triage
  EXPECT_EQ(c->version(), 1u);
  EXPECT_EQ(c->created_at().seconds(), 1740792612);
  EXPECT_EQ(c->created_at().nanos(), 345000000);
  ASSERT_EQ(c->history_size(), 2);
  EXPECT_EQ(c->history(0).actor(), "minsheng");
  EXPECT_EQ(c->history(0).status(), v1::CASE_STATUS_RECEIVED);
  EXPECT_EQ(c->history(1).status(), c->status());
  EXPECT_EQ(c->source().partition(), 3);
  EXPECT_EQ(c->source().offset(), 0);
  EXPECT_EQ(harness.Counter(kCasesOpenedCounter), 1);
}

TEST(HotlineIntakeTest, RepeatsWithinAndAcrossBatchesOpenNothing) {
  testing::TempDir dir;
  IntakeHarness harness(dir.path());
  harness.Feed(Order("WO-1"));
  harness.Feed(Order("WO-1"));  // same batch: the store cannot see the first yet
  harness.Commit();
  harness.Feed(Order("WO-1"), 5);  // a later batch, another partition
  harness.Feed(Order("WO-2"));
  harness.Commit();
  EXPECT_EQ(harness.Counter(kCasesOpenedCounter), 2);
  EXPECT_EQ(harness.Counter(kDuplicatesCounter), 2);
  // Every record's outcome names the case its work order belongs to.
  using Kind = store::RecordOutcome::Kind;
  const std::string topic = "minsheng.intake.hotline.v1";
  EXPECT_EQ(*harness.store().Outcome({topic, 3, 0}),
            (store::RecordOutcome{.kind = Kind::kOpened, .case_id = "MS-20250301-H03000001"}));
  EXPECT_EQ(*harness.store().Outcome({topic, 3, 1}),
            (store::RecordOutcome{.kind = Kind::kJoined, .case_id = "MS-20250301-H03000001"}));
  EXPECT_EQ(*harness.store().Outcome({topic, 5, 2}),
            (store::RecordOutcome{.kind = Kind::kJoined, .case_id = "MS-20250301-H03000001"}));
  EXPECT_EQ(harness.store().Outcome({topic, 3, 3})->value().kind, Kind::kOpened);
  EXPECT_EQ(harness.store().FindCaseBySource(v1::CHANNEL_HOTLINE, "WO-2")->case_id(),
            "MS-20250301-H03000002");
  EXPECT_TRUE(harness.dead_letters.empty());
}

TEST(HotlineIntakeTest, InvalidRecordsBecomeDeadLettersWithReasons) {
  testing::TempDir dir;
  IntakeHarness harness(dir.path());
  harness.Feed("{oops");
  harness.Feed(R"({"work_order_id":"WO-9","received_at":"2025-03-01T09:30:00Z"})");
  harness.Commit();
  ASSERT_EQ(harness.dead_letters.size(), 2u);
  EXPECT_EQ(harness.dead_letters[0], "work_order: not valid JSON");
  EXPECT_EQ(harness.dead_letters[1], "content: missing");
  EXPECT_EQ(harness.Counter(kRejectedCounter), 2);
  EXPECT_EQ(*harness.store().Outcome({"minsheng.intake.hotline.v1", 3, 1}),
            (store::RecordOutcome{.kind = store::RecordOutcome::Kind::kRejected,
                                  .reason = "content: missing"}));
  EXPECT_EQ(harness.Counter(kCasesOpenedCounter), 0);
}

TEST(HotlineIntakeTest, SequencesContinueAfterRestart) {
  testing::TempDir dir;
  {
    IntakeHarness harness(dir.path());
    harness.Feed(Order("WO-1"));
    harness.Commit();
  }
  IntakeHarness restarted(dir.path());
  restarted.Feed(Order("WO-1"));  // still a duplicate after restart
  restarted.Feed(Order("WO-2"));
  restarted.Commit();
  EXPECT_EQ(restarted.store().FindCaseBySource(v1::CHANNEL_HOTLINE, "WO-2")->case_id(),
            "MS-20250301-H03000002");
  EXPECT_EQ(restarted.Counter(kDuplicatesCounter), 1);
  EXPECT_EQ(restarted.Counter(kCasesOpenedCounter), 2);
}

}  // namespace
}  // namespace minsheng::processors
