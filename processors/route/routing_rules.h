#ifndef MINSHENG_PROCESSORS_ROUTE_ROUTING_RULES_H_
#define MINSHENG_PROCESSORS_ROUTE_ROUTING_RULES_H_

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "processors/classify/taxonomy.h"
#include "processors/route/area_map.h"

namespace minsheng::processors {

// How fast a case must be handled. Emergency and urgent limits are usually clock hours, normal
// ones working time (whatever unit the applicable Deadline has decides).
enum class Urgency { kEmergency, kUrgent, kNormal };

// The time limit of `category` for `urgency`.
const Deadline& CategoryDeadline(const Category& category, Urgency urgency);

// One local exception to the taxonomy's lead and assisting departments.
struct RoutingRule {
  std::string id;
  // What the rule applies to, as written: category codes ("C2"), families ("A*": every code
  // starting with A) and tags ("tag:五乱"). Empty: every case, unclassified ones included.
  std::vector<std::string> categories;
  // Area codes; a case matches when its area is one of them or inside one. Empty: everywhere.
  std::vector<std::string> areas;
  std::string lead;                    // department id
  std::vector<std::string> assisting;  // department ids; none when the rule lists none
  // Per urgency (indexed by Urgency); nullopt keeps the category's limit.
  std::array<std::optional<Deadline>, 3> deadlines;
};

// A city's routing rules (deploy/city/routing.yaml; its header comment describes the format): an
// ordered list of rules deciding which department leads a category of cases in an area, with
// departments of the city's own (a county's 住建局, a street's 城管中队) besides the taxonomy's.
// Immutable once loaded.
class RoutingRules {
 public:
  // Reads the YAML file at `path`: NotFound when it cannot be opened, InvalidArgument prefixed
  // with the path when it is not valid. Categories, tags and departments are checked against
  // `taxonomy`, areas and the 属地 office ids against `areas`; errors name the rule, e.g.
  // "rules[2] (a7-c2): lead: unknown department a7-zhujan".
  static absl::StatusOr<RoutingRules> Load(const std::string& path, const Taxonomy& taxonomy,
                                           const AreaMap& areas);
  static absl::StatusOr<RoutingRules> Parse(absl::string_view yaml, const Taxonomy& taxonomy,
                                            const AreaMap& areas);

  // The rule for a case of `category` (nullptr: unclassified) in `area`, or nullptr. Of the
  // matching rules, the one whose matching area is the most specific wins (grid, community,
  // street, district, then rules without areas); among equally specific ones, the first in the
  // file.
  const RoutingRule* Match(const Category* category, const AreaPath& area) const;

  // The limit of an unclassified case (`unclassified_deadlines` in the file).
  const Deadline& UnclassifiedDeadline(Urgency urgency) const {
    return unclassified_[static_cast<int>(urgency)];
  }
  // The display name of one of the file's own departments, or "" for any other id.
  absl::string_view DepartmentName(absl::string_view id) const;

  const std::vector<RoutingRule>& rules() const { return rules_; }

 private:
  RoutingRules() = default;

  std::vector<RoutingRule> rules_;
  std::map<std::string, std::string, std::less<>> departments_;
  std::array<Deadline, 3> unclassified_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_ROUTE_ROUTING_RULES_H_
