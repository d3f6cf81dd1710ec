#include "store/case_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/unit/temp_dir.h"

namespace minsheng::store {
namespace {

v1::Case MakeCase(const std::string& case_id, const std::string& source_id) {
  v1::Case c;
  c.set_case_id(case_id);
  c.set_status(v1::CASE_STATUS_RECEIVED);
  c.mutable_complaint()->set_channel(v1::CHANNEL_HOTLINE);
  c.mutable_complaint()->set_source_id(source_id);
  c.mutable_complaint()->set_content("井盖丢了");
  return c;
}

TEST(CaseStoreTest, CommittedUpdateIsReadableByIdAndSource) {
  testing::TempDir dir;
  auto store = CaseStore::Open(dir.path(), {});
  ASSERT_TRUE(store.ok()) << store.status();
  StateUpdate update = (*store)->NewUpdate();
  update.PutCase(MakeCase("MS-1", "WO-1"));
  update.SetNextOffset("intake", 3, 42);
  update.SetCounter("opened", 1);

  // Nothing is visible before the commit.
  EXPECT_EQ((*store)->GetCase("MS-1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*(*store)->NextOffset("intake", 3), std::nullopt);
  ASSERT_TRUE((*store)->Commit(update).ok());
  EXPECT_TRUE(update.empty());

  auto by_id = (*store)->GetCase("MS-1");
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->complaint().content(), "井盖丢了");
  auto by_source = (*store)->FindCaseBySource(v1::CHANNEL_HOTLINE, "WO-1");
  ASSERT_TRUE(by_source.ok());
  EXPECT_EQ(by_source->case_id(), "MS-1");
  EXPECT_EQ((*store)->FindCaseBySource(v1::CHANNEL_WECHAT, "WO-1").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*(*store)->NextOffset("intake", 3), 42);
  EXPECT_EQ(*(*store)->NextOffset("intake", 4), std::nullopt);
  EXPECT_EQ(*(*store)->Counter("opened"), 1);
  EXPECT_EQ(*(*store)->Counter("never"), 0);
}

TEST(CaseStoreTest, StateSurvivesReopenAndReadOnlyOpenSeesIt) {
  testing::TempDir dir;
  {
    auto store = CaseStore::Open(dir.path(), {});
    ASSERT_TRUE(store.ok());
    StateUpdate update = (*store)->NewUpdate();
    update.PutCase(MakeCase("MS-1", "WO-1"));
    update.PutCase(MakeCase("MS-2", "WO-2"));
    update.SetNextOffset("intake", 0, 2);
    ASSERT_TRUE((*store)->Commit(update).ok());

    auto reader = CaseStore::Open(dir.path(), {.read_only = true});
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ((*reader)->Offsets()->at("intake:0"), 2);
  }
  auto store = CaseStore::Open(dir.path(), {});
  ASSERT_TRUE(store.ok());
  int cases = 0;
  ASSERT_TRUE((*store)->ForEachCase([&](const v1::Case&) { return ++cases > 0; }).ok());
  EXPECT_EQ(cases, 2);
  EXPECT_EQ(*(*store)->NextOffset("intake", 0), 2);
}

TEST(CaseStoreTest, ForgetPositionsKeepsCases) {
  testing::TempDir dir;
  auto store = CaseStore::Open(dir.path(), {});
  ASSERT_TRUE(store.ok());
  StateUpdate update = (*store)->NewUpdate();
  update.PutCase(MakeCase("MS-1", "WO-1"));
  update.SetNextOffset("intake", 0, 7);
  update.SetNextOffset("intake", 1, 9);
  update.SetCounter("opened", 1);
  const RecordPosition position{"intake", 0, 6};
  update.SetOutcome(position, {.kind = RecordOutcome::Kind::kOpened, .case_id = "MS-1"});
  ASSERT_TRUE((*store)->Commit(update).ok());
  ASSERT_TRUE((*store)->ForgetPositions().ok());
  EXPECT_TRUE((*store)->Offsets()->empty());
  EXPECT_EQ(*(*store)->Outcome(position), std::nullopt);
  EXPECT_TRUE((*store)->GetCase("MS-1").ok());
  EXPECT_TRUE((*store)->FindCaseBySource(v1::CHANNEL_HOTLINE, "WO-1").ok());
  EXPECT_EQ(*(*store)->Counter("opened"), 1);
}

TEST(CaseStoreTest, RecordOutcomesRoundTrip) {
  testing::TempDir dir;
  auto store = CaseStore::Open(dir.path(), {});
  ASSERT_TRUE(store.ok());
  const RecordOutcome opened{.kind = RecordOutcome::Kind::kOpened, .case_id = "MS-1"};
  const RecordOutcome joined{.kind = RecordOutcome::Kind::kJoined, .case_id = "MS-1"};
  const RecordOutcome rejected{.kind = RecordOutcome::Kind::kRejected,
                               .reason = "content: missing"};
  StateUpdate update = (*store)->NewUpdate();
  update.SetOutcome({"intake", 2, 10}, opened);
  update.SetOutcome({"intake", 2, 11}, joined);
  update.SetOutcome({"intake", 2, 12}, rejected);
  EXPECT_EQ(*(*store)->Outcome({"intake", 2, 10}), std::nullopt);
  ASSERT_TRUE((*store)->Commit(update).ok());
  EXPECT_EQ(*(*store)->Outcome({"intake", 2, 10}), opened);
  EXPECT_EQ(*(*store)->Outcome({"intake", 2, 11}), joined);
  EXPECT_EQ(*(*store)->Outcome({"intake", 2, 12}), rejected);
  EXPECT_EQ(*(*store)->Outcome({"intake", 3, 10}), std::nullopt);
}

TEST(CaseStoreTest, StageStateIsKeptPerStoreName) {
  testing::TempDir dir;
  auto store = CaseStore::Open(dir.path(), {});
  ASSERT_TRUE(store.ok());
  StateUpdate update = (*store)->NewUpdate();
  update.PutState("wechat-assembly", "u1", "case MS-1");
  update.PutState("sensor-conditions", "u1", "active");
  ASSERT_TRUE((*store)->Commit(update).ok());
  EXPECT_EQ(*(*store)->GetState("wechat-assembly", "u1"), "case MS-1");
  EXPECT_EQ(*(*store)->GetState("sensor-conditions", "u1"), "active");
  EXPECT_EQ(*(*store)->GetState("wechat-assembly", "u2"), std::nullopt);

  StateUpdate removal = (*store)->NewUpdate();
  removal.DeleteState("wechat-assembly", "u1");
  ASSERT_TRUE((*store)->Commit(removal).ok());
  EXPECT_EQ(*(*store)->GetState("wechat-assembly", "u1"), std::nullopt);
  EXPECT_EQ(*(*store)->GetState("sensor-conditions", "u1"), "active");
}

TEST(CaseStoreTest, ReadOnlyOpenOfMissingDirFails) {
  testing::TempDir dir;
  auto store = CaseStore::Open(dir.path() + "/absent", {.read_only = true});
  EXPECT_FALSE(store.ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/absent"));
}

}  // namespace
}  // namespace minsheng::store
