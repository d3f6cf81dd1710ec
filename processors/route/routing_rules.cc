#include "processors/route/routing_rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "processors/config_files.h"

namespace minsheng::processors {
namespace {

using config_files::Invalid;
using config_files::NonEmptyString;
using config_files::Present;
using config_files::ReadDepartments;
using config_files::StringList;

constexpr const char* kUrgencyNames[] = {"emergency", "urgent", "normal"};
constexpr absl::string_view kTagPrefix = "tag:";

bool PatternMatches(absl::string_view pattern, const Category& category) {
  if (absl::ConsumePrefix(&pattern, kTagPrefix)) {
    return std::find(category.tags.begin(), category.tags.end(), pattern) != category.tags.end();
  }
  if (absl::ConsumeSuffix(&pattern, "*")) return absl::StartsWith(category.code, pattern);
  return category.code == pattern;
}

// Checks a category pattern against the taxonomy: it must match at least one category (a typo
// would otherwise silently never apply).
absl::Status CheckPattern(const std::string& pattern, const Taxonomy& taxonomy,
                          absl::string_view where) {
  absl::string_view body = pattern;
  const bool tag = absl::ConsumePrefix(&body, kTagPrefix);
  const bool family = !tag && absl::ConsumeSuffix(&body, "*");
  if (body.empty()) return Invalid(where, absl::StrCat("empty pattern ", pattern));
  if (!tag && !family && taxonomy.Find(body) == nullptr) {
    return Invalid(where, absl::StrCat("unknown category ", pattern));
  }
  const auto& categories = taxonomy.categories();
  if (!std::any_of(categories.begin(), categories.end(),
                   [&](const Category& c) { return PatternMatches(pattern, c); })) {
    return Invalid(where, absl::StrCat(tag ? "no category has tag " : "no category matches ",
                                       tag ? body : pattern));
  }
  return absl::OkStatus();
}

// Reads {emergency, urgent, normal} (any subset unless `all_required`) into `deadlines`.
absl::Status ParseDeadlines(const YAML::Node& node, absl::string_view where, bool all_required,
                            std::array<std::optional<Deadline>, 3>& deadlines) {
  if (!Present(node)) return all_required ? Invalid(where, "missing") : absl::OkStatus();
  if (!node.IsMap()) return Invalid(where, "expected a mapping of emergency, urgent, normal");
  if (absl::Status s = config_files::CheckKeys(node, {"emergency", "urgent", "normal"}, where);
      !s.ok()) {
    return s;
  }
  for (int i = 0; i < 3; ++i) {
    const std::string level_where = absl::StrCat(where, ": ", kUrgencyNames[i]);
    if (!Present(node[kUrgencyNames[i]])) {
      if (all_required) return Invalid(level_where, "missing");
      continue;
    }
    absl::StatusOr<std::string> text = NonEmptyString(node[kUrgencyNames[i]], level_where);
    if (!text.ok()) return text.status();
    absl::StatusOr<Deadline> deadline = Deadline::Parse(*text);
    if (!deadline.ok()) return Invalid(level_where, deadline.status().message());
    deadlines[i] = *deadline;
  }
  return absl::OkStatus();
}

// The departments a rule may name: the taxonomy's, the file's own and the areas' 属地 offices.
class DepartmentIds {
 public:
  DepartmentIds(const Taxonomy& taxonomy,
                const std::map<std::string, std::string, std::less<>>& local, const AreaMap& areas)
      : taxonomy_(taxonomy), local_(local), areas_(areas) {}

  absl::Status Check(const std::string& id, absl::string_view where) const {
    if (taxonomy_.departments().count(id) != 0 || local_.count(id) != 0 ||
        areas_.FindOffice(id) != nullptr) {
      return absl::OkStatus();
    }
    return Invalid(where, absl::StrCat("unknown department ", id));
  }

 private:
  const Taxonomy& taxonomy_;
  const std::map<std::string, std::string, std::less<>>& local_;
  const AreaMap& areas_;
};

absl::StatusOr<RoutingRule> ParseRule(const YAML::Node& node, size_t index,
                                      const Taxonomy& taxonomy, const AreaMap& areas,
                                      const DepartmentIds& departments) {
  std::string where = absl::StrCat("rules[", index, "]");
  if (!node.IsMap()) return Invalid(where, "expected a mapping");
  RoutingRule rule;
  absl::StatusOr<std::string> id = NonEmptyString(node["id"], absl::StrCat(where, ": id"));
  if (!id.ok()) return id.status();
  rule.id = *std::move(id);
  absl::StrAppend(&where, " (", rule.id, ")");
  if (absl::Status s = config_files::CheckKeys(
          node, {"id", "categories", "areas", "lead", "assisting", "deadlines"}, where);
      !s.ok()) {
    return s;
  }

  const std::string categories_where = absl::StrCat(where, ": categories");
  absl::StatusOr<std::vector<std::string>> categories =
      StringList(node["categories"], categories_where);
  if (!categories.ok()) return categories.status();
  for (size_t i = 0; i < categories->size(); ++i) {
    if (absl::Status s =
            CheckPattern((*categories)[i], taxonomy, absl::StrCat(categories_where, "[", i, "]"));
        !s.ok()) {
      return s;
    }
  }
  rule.categories = *std::move(categories);

  const std::string areas_where = absl::StrCat(where, ": areas");
  absl::StatusOr<std::vector<std::string>> codes = StringList(node["areas"], areas_where);
  if (!codes.ok()) return codes.status();
  for (size_t i = 0; i < codes->size(); ++i) {
    if (areas.Find((*codes)[i]) == nullptr) {
      return Invalid(absl::StrCat(areas_where, "[", i, "]"),
                     absl::StrCat("unknown area ", (*codes)[i]));
    }
  }
  rule.areas = *std::move(codes);
  if (rule.categories.empty() && rule.areas.empty()) {
    return Invalid(where,
                   "give categories, areas or both (a rule for everything would replace "
                   "the taxonomy)");
  }

  auto departments_of_rule =
      ReadDepartments(node, where, [&](const std::string& id, absl::string_view id_where) {
        return departments.Check(id, id_where);
      });
  if (!departments_of_rule.ok()) return departments_of_rule.status();
  rule.lead = std::move(departments_of_rule->lead);
  rule.assisting = std::move(departments_of_rule->assisting);

  if (absl::Status s = ParseDeadlines(node["deadlines"], absl::StrCat(where, ": deadlines"),
                                      /*all_required=*/false, rule.deadlines);
      !s.ok()) {
    return s;
  }
  return rule;
}

}  // namespace

const Deadline& CategoryDeadline(const Category& category, Urgency urgency) {
  switch (urgency) {
    case Urgency::kEmergency:
      return category.emergency;
    case Urgency::kUrgent:
      return category.urgent;
    case Urgency::kNormal:
      return category.normal;
  }
  return category.normal;
}

absl::StatusOr<RoutingRules> RoutingRules::Load(const std::string& path, const Taxonomy& taxonomy,
                                                const AreaMap& areas) {
  absl::StatusOr<std::string> text = config_files::ReadFile(path, "routing rules file");
  if (!text.ok()) return text.status();
  absl::StatusOr<RoutingRules> rules = Parse(*text, taxonomy, areas);
  if (!rules.ok()) return config_files::WithPath(rules.status(), path);
  return rules;
}

absl::StatusOr<RoutingRules> RoutingRules::Parse(absl::string_view yaml, const Taxonomy& taxonomy,
                                                 const AreaMap& areas) {
  // A 属地 office must not take a taxonomy department's id: routes would name the wrong one.
  for (size_t i = 0; i < areas.size(); ++i) {
    const Area& area = areas.area(i);
    if (!area.office.empty() && taxonomy.departments().count(area.office) != 0) {
      return Invalid(absl::StrCat("area ", area.code),
                     absl::StrCat("office ", area.office, " is also a taxonomy department"));
    }
  }
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(
          "expected a mapping with departments, unclassified_deadlines and rules");
    }
    if (absl::Status s =
            config_files::CheckKeys(root, {"departments", "unclassified_deadlines", "rules"}, "");
        !s.ok()) {
      return s;
    }
    RoutingRules rules;

    const YAML::Node departments = root["departments"];
    if (Present(departments)) {
      if (!departments.IsMap()) return Invalid("departments", "expected a mapping of id to name");
      for (const auto& entry : departments) {
        absl::StatusOr<std::string> id = NonEmptyString(entry.first, "departments: id");
        if (!id.ok()) return id.status();
        const std::string where = absl::StrCat("departments: ", *id);
        if (!config_files::IsDepartmentId(*id)) {
          return Invalid(where, "not an id (ASCII letters, digits, - and _)");
        }
        if (taxonomy.departments().count(*id) != 0) {
          return Invalid(where, "already a taxonomy department");
        }
        if (const Area* area = areas.FindOffice(*id); area != nullptr) {
          return Invalid(where, absl::StrCat("already the office of area ", area->code));
        }
        absl::StatusOr<std::string> name = NonEmptyString(entry.second, where);
        if (!name.ok()) return name.status();
        if (!rules.departments_.emplace(*id, *name).second) return Invalid(where, "duplicate id");
      }
    }

    std::array<std::optional<Deadline>, 3> unclassified;
    if (absl::Status s = ParseDeadlines(root["unclassified_deadlines"], "unclassified_deadlines",
                                        /*all_required=*/true, unclassified);
        !s.ok()) {
      return s;
    }
    for (int i = 0; i < 3; ++i) rules.unclassified_[i] = *unclassified[i];

    const YAML::Node list = root["rules"];
    if (Present(list) && !list.IsSequence()) return Invalid("rules", "expected a list");
    const DepartmentIds ids(taxonomy, rules.departments_, areas);
    std::map<std::string, size_t> seen;
    for (size_t i = 0; Present(list) && i < list.size(); ++i) {
      absl::StatusOr<RoutingRule> rule = ParseRule(list[i], i, taxonomy, areas, ids);
      if (!rule.ok()) return rule.status();
      if (auto [it, inserted] = seen.emplace(rule->id, i); !inserted) {
        return Invalid(absl::StrCat("rules[", i, "] (", rule->id, ")"),
                       absl::StrCat("duplicate id (also rules[", it->second, "])"));
      }
      rules.rules_.push_back(*std::move(rule));
    }
    return rules;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not valid YAML: ", e.what()));
  }
}

const RoutingRule* RoutingRules::Match(const Category* category, const AreaPath& area) const {
  const RoutingRule* best = nullptr;
  int best_specificity = -1;
  for (const RoutingRule& rule : rules_) {
    if (!rule.categories.empty() &&
        (category == nullptr ||
         std::none_of(rule.categories.begin(), rule.categories.end(),
                      [&](const std::string& p) { return PatternMatches(p, *category); }))) {
      continue;
    }
    // 0 for a rule without areas, else 1 + the level of the deepest of its areas on the path.
    int specificity = rule.areas.empty() ? 0 : -1;
    for (const std::string& code : rule.areas) {
      for (AreaLevel level : kAreaLevels) {
        if (area.at(level).code == code) {
          specificity = std::max(specificity, 1 + static_cast<int>(level));
        }
      }
    }
    if (specificity > best_specificity) {
      best = &rule;
      best_specificity = specificity;
    }
  }
  return best;
}

absl::string_view RoutingRules::DepartmentName(absl::string_view id) const {
  const auto it = departments_.find(id);
  return it == departments_.end() ? absl::string_view() : it->second;
}

}  // namespace minsheng::processors
