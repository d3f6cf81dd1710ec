#include "processors/dispatcher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace minsheng::processors {
namespace {

absl::Time ToTime(const google::protobuf::Timestamp& at) {
  return absl::FromUnixSeconds(at.seconds()) + absl::Nanoseconds(at.nanos());
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp at;
  const int64_t nanos = absl::ToUnixNanos(t);
  at.set_seconds(nanos / 1000000000);
  at.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return at;
}

void SetArea(const AreaRef& from, v1::Area& to) {
  to.set_code(from.code);
  to.set_name(from.name);
}

// The code of the most specific area known; "" when none is.
std::string DeepestAreaCode(const v1::AreaPath& path) {
  for (const v1::Area* level : {&path.grid(), &path.community(), &path.street(), &path.district()}) {
    if (!level->code().empty()) return level->code();
  }
  return "";
}

Urgency UrgencyOf(v1::Urgency urgency) {
  switch (urgency) {
    case v1::URGENCY_EMERGENCY:
      return Urgency::kEmergency;
    case v1::URGENCY_URGENT:
      return Urgency::kUrgent;
    default:
      return Urgency::kNormal;
  }
}

// A category's merge radius and window; defaults for a category the taxonomy does not know.
MergeLimits Limits(const Taxonomy& taxonomy, absl::string_view category_code) {
  const Category* category = taxonomy.Find(category_code);
  return category != nullptr ? category->merge : MergeLimits();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Dispatcher>> Dispatcher::Create(const DispatchFiles& files) {
  std::unique_ptr<Dispatcher> dispatcher(new Dispatcher());
  // A taxonomy edit must leave the routing rules valid (every category, tag and department
  // they name still there), or the next start would fail: such an edit does not take effect.
  // The check reads the rule and area files again, so it holds nothing of this dispatcher.
  const auto rules_still_valid = [rules = files.routing_rules,
                                  areas_file = files.city_areas](const Taxonomy& taxonomy) {
    auto areas = AreaMap::Load(absl::StrSplit(areas_file, ',', absl::SkipEmpty()));
    if (!areas.ok()) return areas.status();
    return RoutingRules::Load(rules, taxonomy, *areas).status();
  };
  auto taxonomy = TaxonomyWatcher::Create(files.taxonomy, files.taxonomy_poll, rules_still_valid);
  if (!taxonomy.ok()) return taxonomy.status();
  dispatcher->taxonomy_ = *std::move(taxonomy);

  std::shared_ptr<const TextClassifier> model;
  if (files.classifier_model != "none") {
    auto loaded = TextClassifier::Load(files.classifier_model);
    if (!loaded.ok()) return loaded.status();
    model = *std::move(loaded);
  }
  dispatcher->classifier_ = std::make_unique<ComplaintClassifier>(std::move(model));

  auto calendar = WorkingCalendar::Load(files.working_calendar);
  if (!calendar.ok()) return calendar.status();
  auto areas = AreaMap::Load(absl::StrSplit(files.city_areas, ',', absl::SkipEmpty()));
  if (!areas.ok()) return areas.status();
  auto gazetteer = Gazetteer::Load(files.city_gazetteer, *areas);
  if (!gazetteer.ok()) return gazetteer.status();
  dispatcher->gazetteer_ = *std::move(gazetteer);
  auto rules = RoutingRules::Load(files.routing_rules, *dispatcher->taxonomy_->current(), *areas);
  if (!rules.ok()) return rules.status();
  dispatcher->router_ = std::make_unique<Router>(*std::move(areas), *std::move(rules),
                                                 *std::move(calendar));
  dispatcher->triage_threshold_ = files.triage_threshold;
  return dispatcher;
}

bool Dispatcher::HasCategory(absl::string_view code) const {
  return taxonomy_->current()->Find(code) != nullptr;
}

void Dispatcher::Classify(v1::Case& c, absl::string_view category_code) const {
  const std::shared_ptr<const Taxonomy> taxonomy = taxonomy_->current();
  const v1::Complaint& complaint = c.complaint();
  v1::DispatchReason& reason = *c.mutable_reason();
  if (!category_code.empty()) {
    c.set_category_code(std::string(category_code));
    c.set_category_confidence(1);
    reason.set_classification_method("channel rule");
  } else {
    Classification result =
        classifier_->Classify(*taxonomy, complaint.title(), complaint.content());
    c.set_category_code(result.category_code);
    c.set_category_confidence(result.confidence);
    reason.set_classification_method(result.method);
    reason.set_model_label(result.model_label);
    reason.set_model_score(result.model_score);
    for (std::string& keyword : result.keywords) reason.add_keywords(std::move(keyword));
  }
  if (const Category* category = taxonomy->Find(c.category_code())) {
    c.set_category_name(category->name);
  }

  AreaPath area;
  std::string resolved_by;
  if (complaint.has_location()) {
    area = router_->areas().Resolve(complaint.location().lat(), complaint.location().lon());
    if (!area.empty()) resolved_by = "coordinates";
  }
  if (area.empty()) {
    const std::string text =
        absl::StrCat(complaint.address(), "\n", complaint.title(), "\n", complaint.content());
    if (std::optional<GazetteerMatch> match = gazetteer_->Resolve(text)) {
      area = match->area;
      resolved_by = absl::StrCat("address text: ", match->ToString());
    }
  }
  v1::AreaPath& path = *c.mutable_area();
  SetArea(area.district, *path.mutable_district());
  SetArea(area.street, *path.mutable_street());
  SetArea(area.community, *path.mutable_community());
  SetArea(area.grid, *path.mutable_grid());
  path.set_resolved_by(resolved_by);
}

void Dispatcher::Route(v1::Case& c) const {
  const std::shared_ptr<const Taxonomy> taxonomy = taxonomy_->current();
  const Category* category = taxonomy->Find(c.category_code());
  v1::DispatchReason& reason = *c.mutable_reason();
  if (category == nullptr) {
    c.set_status(v1::CASE_STATUS_NEEDS_TRIAGE);
    reason.set_triage_reason(c.category_code().empty()
                                 ? "no category fits the words"
                                 : absl::StrCat("category ", c.category_code(),
                                                " is not in the taxonomy"));
    return;
  }
  if (c.category_confidence() < triage_threshold_) {
    c.set_status(v1::CASE_STATUS_NEEDS_TRIAGE);
    reason.set_triage_reason(absl::StrFormat("confidence %.2f is below the threshold %.2f",
                                             c.category_confidence(), triage_threshold_));
    return;
  }
  const processors::Route route = router_->Decide(*taxonomy, category,
                                                  router_->areas().PathOf(DeepestAreaCode(c.area())),
                                                  UrgencyOf(c.complaint().urgency()),
                                                  ToTime(c.complaint().received_at()));
  c.set_status(v1::CASE_STATUS_DISPATCHED);
  c.set_lead_department(route.lead);
  c.set_lead_department_name(route.lead_name);
  c.clear_assisting_departments();
  for (const std::string& id : route.assisting) c.add_assisting_departments(id);
  if (route.deadline != absl::InfiniteFuture()) *c.mutable_deadline() = ToTimestamp(route.deadline);
  reason.set_routing_rule(route.rule);
  reason.set_time_limit(route.limit.ToString());
}

ReportSignature Dispatcher::Signature(const v1::Case& c, const v1::Complaint& report) const {
  ReportSignature signature;
  signature.case_id = c.case_id();
  signature.category_code = c.category_code();
  if (const Category* category = taxonomy_->current()->Find(c.category_code())) {
    signature.family = category->family;
  }
  if (report.has_location()) {
    signature.has_location = true;
    signature.lat = report.location().lat();
    signature.lon = report.location().lon();
  }
  signature.area_code = DeepestAreaCode(c.area());
  signature.reported_at = ToTime(report.received_at());
  signature.from_sensor = report.channel() == v1::CHANNEL_SENSOR;
  if (!signature.from_sensor) signature.text = SignText(report.title(), report.content());
  return signature;
}

NearDuplicatePolicy Dispatcher::MergePolicy(absl::string_view category_code) const {
  // The new report's category sets the limits (the taxonomy's merge settings); other
  // NearDuplicatePolicy defaults (text thresholds) were chosen on the labelled fixture.
  NearDuplicatePolicy policy;
  const MergeLimits limits = Limits(*taxonomy_->current(), category_code);
  policy.radius_m = limits.radius_m;
  policy.window = absl::Hours(24) * limits.window_days;
  return policy;
}

absl::Duration Dispatcher::MergeWindow(absl::string_view category_code) const {
  return absl::Hours(24) * Limits(*taxonomy_->current(), category_code).window_days;
}

}  // namespace minsheng::processors
