#ifndef MINSHENG_INGEST_SENSOR_CONDITION_RULES_H_
#define MINSHENG_INGEST_SENSOR_CONDITION_RULES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace minsheng::ingest::sensor {

// When readings of one kind become a condition (a complaint raised by sensors) and when it ends.
// A condition is raised once the value has stayed >= raise_at for at least `sustain` (zero: at
// the first such reading) and cleared by a value < clear_below; clear_below < raise_at gives
// hysteresis, so a value hovering around one threshold does not raise and clear over and over.
struct ConditionRule {
  std::string kind;  // a SensorKind name
  double raise_at = 0;
  double clear_below = 0;
  absl::Duration sustain;
  bool urgent = false;
  std::string problem;  // the name people see, e.g. "道路积水"
  // The taxonomy category its cases are filed under, e.g. "B6"; a sensor's condition needs no
  // text classifier.
  std::string category;
};

// One rule for each sensor kind, in the order bin_fill, pm10, h2s, water_depth, noise.
std::vector<ConditionRule> DefaultRules();

// The defaults with the rules of a YAML file in place of the defaults of their kinds:
//   rules:
//     - {kind: pm10, raise_at: 150, clear_below: 100, sustain_minutes: 15, urgent: false,
//        problem: 工地扬尘, category: C1}
// Each rule needs kind; a field it leaves out keeps the default rule's value. Unknown keys,
// repeated kinds and invalid rules (clear_below > raise_at, a threshold outside the kind's
// physical range, negative sustain_minutes, empty problem or category) are InvalidArgument naming the rule,
// e.g. "rules.yaml: rule 2 (pm10): clear_below: 160 is above raise_at 150". An empty file means
// the defaults.
absl::StatusOr<std::vector<ConditionRule>> LoadRules(const std::string& yaml_path);
// The same from YAML text (errors without the path).
absl::StatusOr<std::vector<ConditionRule>> ParseRules(absl::string_view yaml);

// The rule for `kind`, or nullptr.
const ConditionRule* FindRule(const std::vector<ConditionRule>& rules, absl::string_view kind);

}  // namespace minsheng::ingest::sensor

#endif  // MINSHENG_INGEST_SENSOR_CONDITION_RULES_H_
