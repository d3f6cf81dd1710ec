#include "processors/route/router.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace minsheng::processors {

Router::Router(AreaMap areas, RoutingRules rules, WorkingCalendar calendar)
    : areas_(std::move(areas)), rules_(std::move(rules)), calendar_(std::move(calendar)) {}

const Area* Router::TerritorialOffice(absl::string_view placeholder, const AreaPath& area) const {
  if (placeholder != kStreetPlaceholder && placeholder != kCommunityPlaceholder) return nullptr;
  auto office_of = [this](const AreaRef& ref) -> const Area* {
    const Area* found = ref.empty() ? nullptr : areas_.Find(ref.code);
    return found != nullptr && !found->office.empty() ? found : nullptr;
  };
  if (placeholder == kCommunityPlaceholder) {
    if (const Area* community = office_of(area.community); community != nullptr) return community;
  }
  return office_of(area.street);
}

Route Router::Decide(const Taxonomy& taxonomy, const Category* category, const AreaPath& area,
                     Urgency urgency, absl::Time received) const {
  Route route;
  if (const RoutingRule* rule = rules_.Match(category, area); rule != nullptr) {
    route.lead = rule->lead;
    route.assisting = rule->assisting;
    const std::optional<Deadline>& limit = rule->deadlines[static_cast<int>(urgency)];
    route.limit = limit.has_value()     ? *limit
                  : category != nullptr ? CategoryDeadline(*category, urgency)
                                        : rules_.UnclassifiedDeadline(urgency);
    route.rule = absl::StrCat("routing rule ", rule->id);
  } else if (category != nullptr) {
    route.lead = category->lead;
    route.assisting = category->assisting;
    route.limit = CategoryDeadline(*category, urgency);
    route.rule = absl::StrCat("taxonomy ", category->code);
  } else {
    route.lead = std::string(kStreetPlaceholder);
    route.limit = rules_.UnclassifiedDeadline(urgency);
    route.rule = "unclassified";
  }

  // 属地: the placeholders become the concrete offices of the case's street or community.
  if (const Area* office = TerritorialOffice(route.lead, area); office != nullptr) {
    route.lead = office->office;
    absl::StrAppend(&route.rule, "; 属地: ", office->name);
  } else if (route.lead == kStreetPlaceholder || route.lead == kCommunityPlaceholder) {
    absl::StrAppend(&route.rule, "; 属地: street unknown (area ",
                    area.empty() ? "unknown" : area.ToString(), "), lead stays ", route.lead);
  }
  std::vector<std::string> assisting;
  for (std::string& id : route.assisting) {
    if (const Area* office = TerritorialOffice(id, area); office != nullptr) id = office->office;
    if (id != route.lead && std::find(assisting.begin(), assisting.end(), id) == assisting.end()) {
      assisting.push_back(std::move(id));
    }
  }
  route.assisting = std::move(assisting);

  route.lead_name = DepartmentName(taxonomy, route.lead);
  if (route.lead_name.empty()) route.lead_name = route.lead;  // dropped by a taxonomy re-load

  switch (route.limit.unit) {
    case Deadline::Unit::kClockHours:
      route.deadline = received + route.limit.amount;
      break;
    case Deadline::Unit::kWorkingHours:
      route.deadline = calendar_.AddWorkingTime(received, route.limit.amount);
      break;
    case Deadline::Unit::kWorkingDays:
      route.deadline = calendar_.AddWorkingDays(received, route.limit.count);
      break;
  }
  return route;
}

std::string Router::DepartmentName(const Taxonomy& taxonomy, absl::string_view id) const {
  if (absl::string_view name = taxonomy.DepartmentName(id); !name.empty()) {
    return std::string(name);
  }
  if (absl::string_view name = rules_.DepartmentName(id); !name.empty()) {
    return std::string(name);
  }
  const Area* office = areas_.FindOffice(id);
  return office != nullptr ? office->office_name : "";
}

}  // namespace minsheng::processors
