#ifndef MINSHENG_TESTS_UNIT_STAGE_HARNESS_H_
#define MINSHENG_TESTS_UNIT_STAGE_HARNESS_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ingest/personal_data.h"
#include "ingest/text_normalizer.h"
#include "processors/case_book.h"
#include "processors/dispatcher.h"
#include "processors/record_processor.h"
#include "store/case_store.h"

namespace minsheng::processors {

// Dispatch as `minsheng serve` does by default: the shipped taxonomy, model, calendar and
// example city.
inline std::unique_ptr<Dispatcher> ShippedDispatcher(const std::string& model = "") {
  const std::string deploy = std::string(MINSHENG_SOURCE_DIR) + "/deploy";
  auto dispatcher = Dispatcher::Create({
      .taxonomy = deploy + "/taxonomy.yaml",
      .classifier_model = model.empty() ? deploy + "/model/complaints.model" : model,
      .working_calendar = deploy + "/calendar/cn-2025-2026.yaml",
      .city_areas = deploy + "/city/areas.geojson",
      .city_gazetteer = deploy + "/city/gazetteer.yaml",
      .routing_rules = deploy + "/city/routing.yaml",
  });
  EXPECT_TRUE(dispatcher.ok()) << dispatcher.status();
  return dispatcher.ok() ? *std::move(dispatcher) : nullptr;
}

// Runs intake stages against a real store as the stream task would, one batch at a time;
// dead letters are collected instead of sent.
class StageHarness : public BatchContext {
 public:
  // `model`: a classifier model file, "none" for keywords only, "" for the shipped model.
  explicit StageHarness(const std::string& path, const std::string& model = "")
      : dispatcher(ShippedDispatcher(model)),
        store_(*store::CaseStore::Open(path, {.sync_writes = false})),
        update_(store_->NewUpdate()) {}

  const store::CaseStore& store() const override { return *store_; }
  store::StateUpdate& update() override { return update_; }
  void DeadLetter(absl::string_view reason) override { dead_letters.emplace_back(reason); }

  // Hands value to stage as the next record of topic/partition.
  void Feed(RecordProcessor& stage, const std::string& topic, const std::string& value,
            int32_t partition = 3, int64_t timestamp_ms = 1740792612345) {
    InputRecord record{.topic = topic,
                       .partition = partition,
                       .offset = next_offset_++,
                       .timestamp_ms = timestamp_ms,
                       .value = value};
    ASSERT_TRUE(stage.Process(record, *this).ok());
  }
  void Commit(RecordProcessor& stage) {
    stage.BeforeCommit(*this);
    ASSERT_TRUE(store_->Commit(update_).ok());
    stage.OnCommitted();
  }
  int64_t Counter(absl::string_view name) { return *store_->Counter(name); }
  int64_t CaseCount() {
    int64_t cases = 0;
    EXPECT_TRUE(store_->ForEachCase([&](const v1::Case&) { return ++cases > 0; }).ok());
    return cases;
  }

  std::unique_ptr<ingest::TextNormalizer> normalizer = *ingest::TextNormalizer::Create();
  ingest::PersonalDataVault vault = *ingest::PersonalDataVault::FromKey(std::string(32, 'k'));
  std::unique_ptr<Dispatcher> dispatcher;
  CaseBook book{*normalizer, vault, *dispatcher};
  std::vector<std::string> dead_letters;

 private:
  std::unique_ptr<store::CaseStore> store_;
  store::StateUpdate update_;
  int64_t next_offset_ = 0;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_TESTS_UNIT_STAGE_HARNESS_H_
