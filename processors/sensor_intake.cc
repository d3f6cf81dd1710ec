#include "processors/sensor_intake.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ingest/sensor/sensor_reading.h"

namespace minsheng::processors {
namespace {

namespace sensor = ingest::sensor;

// Readings carry an absolute time; cases are dated in the city's (China Standard) time.
constexpr int kCityUtcOffsetSeconds = 8 * 3600;

v1::Complaint ConditionComplaint(const sensor::SensorReading& reading,
                                 const sensor::RegisteredDevice& device,
                                 const sensor::ConditionRule& rule) {
  v1::Complaint complaint;
  complaint.set_channel(v1::CHANNEL_SENSOR);
  // One complaint per condition: the device and when the condition was raised.
  complaint.set_source_id(absl::StrCat(
      reading.device_id, "@",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", reading.observed_at, absl::UTCTimeZone())));
  complaint.mutable_received_at()->set_seconds(absl::ToUnixSeconds(reading.observed_at));
  complaint.set_received_utc_offset_seconds(kCityUtcOffsetSeconds);
  complaint.set_title(absl::StrCat(device.site, " ", rule.problem));
  complaint.set_content(absl::StrFormat("%s：%s。传感器 %s 读数 %g %s，达到阈值 %g %s。",
                                        device.site, rule.problem, reading.device_id, reading.value,
                                        reading.unit, rule.raise_at, reading.unit));
  complaint.set_address(device.site);
  complaint.mutable_location()->set_lat(reading.lat.value_or(device.lat));
  complaint.mutable_location()->set_lon(reading.lon.value_or(device.lon));
  complaint.set_urgency(rule.urgent ? v1::URGENCY_URGENT : v1::URGENCY_NORMAL);
  auto& extra = *complaint.mutable_extra();
  extra["device_id"] = nlohmann::json(reading.device_id).dump();
  extra["kind"] = nlohmann::json(reading.kind).dump();
  extra["value"] = nlohmann::json(reading.value).dump();
  extra["unit"] = nlohmann::json(reading.unit).dump();
  return complaint;
}

}  // namespace

absl::StatusOr<sensor::ConditionState> SensorIntake::LoadState(const std::string& device_id,
                                                               BatchContext& context) {
  if (auto it = batch_states_.find(device_id); it != batch_states_.end()) return it->second;
  auto stored = context.store().GetState(kConditionStore, device_id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return sensor::ConditionState{};
  return sensor::DecodeState(**stored);
}

absl::Status SensorIntake::Process(const InputRecord& record, BatchContext& context) {
  // "Now" is when Kafka took the record, so a replay judges future timestamps the same way.
  auto reading =
      sensor::ParseSensorReading(record.value, absl::FromUnixMillis(record.timestamp_ms));
  if (!reading.ok()) return cases_.Reject(record, reading.status().message(), context);
  const sensor::RegisteredDevice* device = registry_.Find(reading->device_id);
  if (device == nullptr) {
    return cases_.Reject(
        record, absl::StrCat("device_id: ", reading->device_id, " is not in the sensor registry"),
        context);
  }
  if (device->kind != reading->kind) {
    return cases_.Reject(record,
                         absl::StrCat("kind: ", reading->device_id, " is registered as ",
                                      device->kind, ", not ", reading->kind),
                         context);
  }
  const sensor::ConditionRule* rule = sensor::FindRule(rules_, reading->kind);
  if (rule == nullptr) {
    return cases_.Reject(record, absl::StrCat("kind: no rule for ", reading->kind), context);
  }
  auto state = LoadState(reading->device_id, context);
  if (!state.ok()) return state.status();
  const sensor::Transition transition = sensor::ApplyReading(*rule, *reading, *state);
  context.update().PutState(kConditionStore, reading->device_id, sensor::EncodeState(*state));
  batch_states_[reading->device_id] = *state;

  auto open_case = cases_.FindCaseId(context, v1::CHANNEL_SENSOR, reading->device_id);
  if (!open_case.ok()) return open_case.status();
  switch (transition) {
    case sensor::Transition::kRaised: {
      // A citizen may have reported the spot already: the condition then joins that case.
      auto filed = cases_.File(record, ConditionComplaint(*reading, *device, *rule),
                               absl::StrCat("受理 传感器告警 ", rule->problem), context,
                               rule->category);
      if (!filed.ok()) return filed.status();
      cases_.Alias(v1::CHANNEL_SENSOR, reading->device_id, filed->case_id, context);
      return absl::OkStatus();
    }
    case sensor::Transition::kCleared: {
      if (!open_case->has_value()) return cases_.Absorb(record, context);
      auto c = cases_.MutableCase(context, **open_case);
      if (!c.ok()) return c.status();
      return cases_.Merge(
          record, **c, v1::CHANNEL_SENSOR, reading->device_id,
          absl::StrFormat("传感器读数恢复正常：%g %s", reading->value, reading->unit), context);
    }
    case sensor::Transition::kNone:
      // While a condition lasts, its readings belong to its case.
      if (state->active && open_case->has_value()) {
        return cases_.Join(record, **open_case, context);
      }
      return cases_.Absorb(record, context);
    case sensor::Transition::kIgnoredOutOfOrder:
      return cases_.Absorb(record, context);
  }
  return absl::OkStatus();
}

void SensorIntake::OnCommitted() {
  cases_.OnCommitted();
  batch_states_.clear();
}

}  // namespace minsheng::processors
