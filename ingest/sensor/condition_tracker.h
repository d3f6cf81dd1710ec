#ifndef MINSHENG_INGEST_SENSOR_CONDITION_TRACKER_H_
#define MINSHENG_INGEST_SENSOR_CONDITION_TRACKER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ingest/sensor/condition_rules.h"
#include "ingest/sensor/sensor_reading.h"

namespace minsheng::ingest::sensor {

// What one device's readings of one kind have shown so far. It depends on the readings alone
// (never on the clock), so replaying the same readings after a crash gives the same state.
struct ConditionState {
  bool active = false;
  // Start of the current run of readings at/above raise_at (kept while the condition is active),
  // InfinitePast when not in one.
  absl::Time above_since = absl::InfinitePast();
  // The newest reading applied; older or equal ones are ignored.
  absl::Time last_observed = absl::InfinitePast();
  // When the current (or, once cleared, the last) condition was raised.
  absl::Time raised_at = absl::InfinitePast();
  // The highest value of the latest run at/above raise_at (through the condition it raised, if
  // any), kept until the next run starts; 0 before the first run.
  double peak = 0;

  bool operator==(const ConditionState&) const = default;
};

// A fixed 49-byte binary form; DecodeState(EncodeState(s)) == s exactly (times to absl::Time's
// quarter-nanosecond resolution, infinite times, every bit of peak). A corrupt or foreign value
// is DataLoss.
std::string EncodeState(const ConditionState& state);
absl::StatusOr<ConditionState> DecodeState(absl::string_view bytes);

enum class Transition { kNone, kRaised, kCleared, kIgnoredOutOfOrder };

// "none", "raised", "cleared", "ignored_out_of_order".
absl::string_view TransitionName(Transition transition);

// Applies one reading of rule.kind to the device's state:
// - observed_at <= state.last_observed: a late or repeated reading, kIgnoredOutOfOrder, state
//   unchanged (so a late reading never flaps a condition);
// - inactive: a value >= raise_at starts or continues a run; once the run has lasted `sustain`
//   (readings at its start and now) the condition is raised: kRaised. A value below raise_at
//   ends the run;
// - active: a value < clear_below clears it (kCleared); anything else keeps it (kNone), so a
//   persisting condition is raised exactly once.
// The run is judged from the readings only: a device that goes quiet between two high readings
// counts as high throughout. A reading of another kind is ignored (kNone, state unchanged).
Transition ApplyReading(const ConditionRule& rule, const SensorReading& reading,
                        ConditionState& state);

}  // namespace minsheng::ingest::sensor

#endif  // MINSHENG_INGEST_SENSOR_CONDITION_TRACKER_H_
