#ifndef MINSHENG_PROCESSORS_ROUTE_ROUTER_H_
#define MINSHENG_PROCESSORS_ROUTE_ROUTER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "processors/classify/taxonomy.h"
#include "processors/deadline/working_calendar.h"
#include "processors/route/area_map.h"
#include "processors/route/routing_rules.h"

namespace minsheng::processors {

// Who handles a case and by when.
struct Route {
  std::string lead;                    // department id
  std::string lead_name;               // display name
  std::vector<std::string> assisting;  // department ids
  Deadline limit;                      // the time limit applied
  absl::Time deadline;                 // received + limit in working/clock time
  // Why, for the dispatcher: "routing rule <id>", "taxonomy B4" or "unclassified", followed by
  // "; 属地: <street or community>" when a territorial office became the lead, or by why it could
  // not ("; 属地: street unknown (area A3区), lead stays jiedao").
  std::string rule;
};

// Decides the lead department (牵头单位), assisting departments (配合单位) and deadline of a case.
//
// Street and community offices are departments too, with ids from the area map (by convention
// "jiedao-<street code>", "shequ-<community code>"). The taxonomy's `jiedao` and `shequ` are
// placeholders for "the office of the case's street / community" (属地).
class Router {
 public:
  // The placeholder department ids of deploy/taxonomy.yaml.
  static constexpr absl::string_view kStreetPlaceholder = "jiedao";
  static constexpr absl::string_view kCommunityPlaceholder = "shequ";

  // `rules` must have been loaded against `areas`.
  Router(AreaMap areas, RoutingRules rules, WorkingCalendar calendar);

  // The route of a case of `category` (nullptr: unclassified) in `area` (possibly empty),
  // received at `received`:
  //   1. the matching routing rule (RoutingRules::Match) gives lead, assisting and any deadline
  //      overrides; else
  //   2. the taxonomy category gives them; else (unclassified) the lead is `jiedao`, nobody
  //      assists and the limit is the rules' unclassified_deadlines.
  //   3. 属地: a lead or assisting `jiedao` becomes the office of the area's street; `shequ` the
  //      office of its community, or of its street when the community is unknown or has none.
  //      When the area has no street, the placeholder stays (and `rule` says so).
  //   4. deadline: `received` plus the limit: clock hours for "h", WorkingCalendar working time
  //      for "wh" and working days for "d".
  // `taxonomy` is the one in force (it may have been re-loaded since the rules were loaded).
  Route Decide(const Taxonomy& taxonomy, const Category* category, const AreaPath& area,
               Urgency urgency, absl::Time received) const;

  // The display name of department `id`: from the taxonomy, the routing rules' own departments or
  // the area map's offices; "" for an unknown id.
  std::string DepartmentName(const Taxonomy& taxonomy, absl::string_view id) const;

  const AreaMap& areas() const { return areas_; }
  const RoutingRules& rules() const { return rules_; }
  const WorkingCalendar& calendar() const { return calendar_; }

 private:
  // The area whose office stands for `placeholder` in `area`, or nullptr.
  const Area* TerritorialOffice(absl::string_view placeholder, const AreaPath& area) const;

  AreaMap areas_;
  RoutingRules rules_;
  WorkingCalendar calendar_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_ROUTE_ROUTER_H_
