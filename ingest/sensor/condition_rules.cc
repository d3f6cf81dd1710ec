#include "ingest/sensor/condition_rules.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ingest/sensor/sensor_reading.h"

namespace minsheng::ingest::sensor {
namespace {

constexpr absl::string_view kRuleKeys[] = {"kind",   "raise_at", "clear_below", "sustain_minutes",
                                           "urgent", "problem", "category"};

absl::Status RuleError(absl::string_view rule, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(rule, ": ", reason));
}

// A scalar as a finite number, or nullopt when the rule leaves the key out.
absl::StatusOr<std::optional<double>> Number(const YAML::Node& rule, const char* key,
                                             absl::string_view name) {
  const YAML::Node node = rule[key];
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  double value = 0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, value)) {
    return RuleError(name, absl::StrCat(key, ": expected a number, got ",
                                        node.IsScalar() ? node.Scalar() : "a collection"));
  }
  if (!std::isfinite(value)) return RuleError(name, absl::StrCat(key, ": not a finite number"));
  return value;
}

absl::Status Validate(const ConditionRule& rule, const SensorKind& kind, absl::string_view name) {
  if (!(rule.raise_at >= kind.min && rule.raise_at <= kind.max)) {
    return RuleError(
        name, absl::StrCat("raise_at: ", rule.raise_at, " is impossible for ", kind.name, " (",
                           kind.min, "..", kind.max, " ", kind.unit, ")"));
  }
  if (rule.clear_below > rule.raise_at) {
    return RuleError(name, absl::StrCat("clear_below: ", rule.clear_below, " is above raise_at ",
                                        rule.raise_at));
  }
  if (rule.clear_below <= kind.min) {
    return RuleError(
        name, absl::StrCat("clear_below: ", rule.clear_below, " would never clear (", kind.name,
                           " is never below ", kind.min, " ", kind.unit, ")"));
  }
  if (rule.sustain < absl::ZeroDuration()) {
    return RuleError(name, "sustain_minutes: must not be negative");
  }
  if (absl::StripAsciiWhitespace(rule.problem).empty()) return RuleError(name, "problem: missing");
  if (absl::StripAsciiWhitespace(rule.category).empty()) {
    return RuleError(name, "category: missing");
  }
  return absl::OkStatus();
}

// Reads rule number `number` (from 1) over the default rule of its kind.
absl::StatusOr<ConditionRule> ParseRule(const YAML::Node& node, int number,
                                        const std::vector<ConditionRule>& defaults) {
  std::string name = absl::StrCat("rule ", number);
  if (!node.IsMap()) return RuleError(name, "expected a mapping");
  const YAML::Node kind_node = node["kind"];
  if (!kind_node.IsDefined() || kind_node.IsNull()) return RuleError(name, "kind: missing");
  if (!kind_node.IsScalar()) return RuleError(name, "kind: must be a single value");
  auto kind = FindSensorKind(kind_node.Scalar());
  if (!kind.ok()) return RuleError(name, kind.status().message());
  absl::StrAppend(&name, " (", kind->name, ")");

  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    bool known = false;
    for (absl::string_view rule_key : kRuleKeys) known = known || key == rule_key;
    if (!known) {
      return RuleError(name, absl::StrCat("unknown key ", key,
                                          " (expected kind, raise_at, clear_below, "
                                          "sustain_minutes, urgent, problem or category)"));
    }
  }

  ConditionRule rule = *FindRule(defaults, kind->name);
  auto raise_at = Number(node, "raise_at", name);
  if (!raise_at.ok()) return raise_at.status();
  if (raise_at->has_value()) rule.raise_at = **raise_at;
  auto clear_below = Number(node, "clear_below", name);
  if (!clear_below.ok()) return clear_below.status();
  if (clear_below->has_value()) rule.clear_below = **clear_below;
  auto sustain_minutes = Number(node, "sustain_minutes", name);
  if (!sustain_minutes.ok()) return sustain_minutes.status();
  if (sustain_minutes->has_value()) {
    if (**sustain_minutes < 0) {
      return RuleError(
          name, absl::StrCat("sustain_minutes: must not be negative, got ", **sustain_minutes));
    }
    rule.sustain = absl::Minutes(**sustain_minutes);
  }
  if (const YAML::Node urgent = node["urgent"]; urgent.IsDefined() && !urgent.IsNull()) {
    if (!urgent.IsScalar() || !YAML::convert<bool>::decode(urgent, rule.urgent)) {
      return RuleError(name, absl::StrCat("urgent: expected true or false, got ",
                                          urgent.IsScalar() ? urgent.Scalar() : "a collection"));
    }
  }
  if (const YAML::Node problem = node["problem"]; problem.IsDefined() && !problem.IsNull()) {
    if (!problem.IsScalar()) return RuleError(name, "problem: must be text");
    rule.problem = problem.Scalar();
  }
  if (const YAML::Node category = node["category"]; category.IsDefined() && !category.IsNull()) {
    if (!category.IsScalar()) return RuleError(name, "category: must be a taxonomy code");
    rule.category = category.Scalar();
  }
  if (absl::Status s = Validate(rule, *kind, name); !s.ok()) return s;
  return rule;
}

}  // namespace

std::vector<ConditionRule> DefaultRules() {
  return {
      // A bin is emptied when it is nearly full; below 70 % it has been emptied (or compacted).
      {"bin_fill", 90, 70, absl::ZeroDuration(), false, "垃圾桶满溢", "B2"},
      // GB 3095-2012 grade II 24-hour PM10 limit is 150 ug/m3. A quarter hour above it near a
      // construction site is dust that is not being kept down, not a passing lorry.
      {"pm10", 150, 100, absl::Minutes(15), false, "工地扬尘", "C1"},
      // GB/T 17217 (城市公共厕所卫生标准) limits H2S in public toilets to 0.01 mg/m3, about
      // 0.007 ppm at 25 °C (1 ppm = 1.39 mg/m3): close to the odour threshold and below what the
      // electrochemical ppm cells in toilets resolve (0.1 ppm at best, drifting by more). 1 ppm
      // (about 1.4 mg/m3, also the ACGIH 8-hour TLV) is an unmistakable rotten-egg smell that
      // means cleaning or ventilation has failed; 0.5 ppm, half of it, ends the complaint. Cities
      // with finer sensors can lower both in the rules file. Ten minutes rides out the spike
      // right after a flush.
      {"h2s", 1.0, 0.5, absl::Minutes(10), false, "公厕异味", "B4"},
      // 15 cm of water stops cars and covers kerbs: urgent at once. Below 5 cm the road is usable.
      {"water_depth", 15, 5, absl::ZeroDuration(), true, "道路积水", "B6"},
      // GB 3096-2008 allows 70 dB(A) by day next to main roads (class 4a) and 60 dB(A) in mixed
      // residential areas (class 2); ten minutes rules out a passing horn or siren.
      {"noise", 70, 60, absl::Minutes(10), false, "噪音扰民", "A7"},
  };
}

const ConditionRule* FindRule(const std::vector<ConditionRule>& rules, absl::string_view kind) {
  for (const ConditionRule& rule : rules) {
    if (rule.kind == kind) return &rule;
  }
  return nullptr;
}

absl::StatusOr<std::vector<ConditionRule>> ParseRules(absl::string_view yaml) {
  std::vector<ConditionRule> rules = DefaultRules();
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) return rules;
    if (!root.IsMap()) return absl::InvalidArgumentError("expected a mapping with a rules list");
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      if (key != "rules") {
        return absl::InvalidArgumentError(absl::StrCat("unknown key ", key, " (expected rules)"));
      }
    }
    const YAML::Node list = root["rules"];
    if (!list.IsDefined() || list.IsNull()) return rules;
    if (!list.IsSequence()) return absl::InvalidArgumentError("rules: expected a list");
    const std::vector<ConditionRule> defaults = rules;
    std::map<std::string, int> first_rule;
    for (size_t i = 0; i < list.size(); ++i) {
      const int number = static_cast<int>(i) + 1;
      auto rule = ParseRule(list[i], number, defaults);
      if (!rule.ok()) return rule.status();
      if (auto [it, inserted] = first_rule.emplace(rule->kind, number); !inserted) {
        return absl::InvalidArgumentError(
            absl::StrCat("rule ", number, " (", rule->kind, "): repeats rule ", it->second));
      }
      for (ConditionRule& existing : rules) {
        if (existing.kind == rule->kind) existing = *std::move(rule);
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not valid YAML (", e.what(), ")"));
  }
  return rules;
}

absl::StatusOr<std::vector<ConditionRule>> LoadRules(const std::string& yaml_path) {
  std::ifstream in(yaml_path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(yaml_path, ": cannot open (", std::strerror(errno), ")"));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(yaml_path, ": read failed"));
  auto rules = ParseRules(text.str());
  if (!rules.ok()) {
    return absl::Status(rules.status().code(),
                        absl::StrCat(yaml_path, ": ", rules.status().message()));
  }
  return rules;
}

}  // namespace minsheng::ingest::sensor
