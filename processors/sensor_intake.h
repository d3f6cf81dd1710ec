#ifndef MINSHENG_PROCESSORS_SENSOR_INTAKE_H_
#define MINSHENG_PROCESSORS_SENSOR_INTAKE_H_

#include <map>
#include <string>
#include <vector>

#include "ingest/sensor/condition_rules.h"
#include "ingest/sensor/condition_tracker.h"
#include "ingest/sensor/device_registry.h"
#include "processors/case_book.h"
#include "processors/record_processor.h"

namespace minsheng::processors {

// The stage for minsheng.intake.sensor.v1: tracks each registered device's condition with the
// threshold rules and opens one case when a condition is raised (an overflowing bin, site dust
// for 15 minutes, a flooded road). Readings while it lasts join that case; the reading that
// clears it is noted in the case's history. Readings from unknown devices and impossible values
// are dead letters.
class SensorIntake : public RecordProcessor {
 public:
  static constexpr char kConditionStore[] = "sensor-conditions";

  SensorIntake(CaseBook& cases, const ingest::sensor::DeviceRegistry& registry,
               std::vector<ingest::sensor::ConditionRule> rules)
      : cases_(cases), registry_(registry), rules_(std::move(rules)) {}
  absl::Status Process(const InputRecord& record, BatchContext& context) override;
  void BeforeCommit(BatchContext& context) override { cases_.Flush(context); }
  void OnCommitted() override;

 private:
  absl::StatusOr<ingest::sensor::ConditionState> LoadState(const std::string& device_id,
                                                           BatchContext& context);
  CaseBook& cases_;
  const ingest::sensor::DeviceRegistry& registry_;
  std::vector<ingest::sensor::ConditionRule> rules_;
  std::map<std::string, ingest::sensor::ConditionState> batch_states_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_SENSOR_INTAKE_H_
