#ifndef MINSHENG_PROCESSORS_DISPATCHER_H_
#define MINSHENG_PROCESSORS_DISPATCHER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "minsheng/v1/case.pb.h"
#include "processors/classify/complaint_classifier.h"
#include "processors/classify/taxonomy.h"
#include "processors/dedup/near_duplicate.h"
#include "processors/route/gazetteer.h"
#include "processors/route/router.h"

namespace minsheng::processors {

// The files a city configures dispatch with (see deploy/ and README "Dispatch").
struct DispatchFiles {
  std::string taxonomy;
  std::string classifier_model;  // "none": the taxonomy's keywords only
  std::string working_calendar;
  std::string city_areas;  // one GeoJSON file, or several separated by commas (e.g. one a level)
  std::string city_gazetteer;
  std::string routing_rules;
  double triage_threshold = 0.5;
  absl::Duration taxonomy_poll = absl::Seconds(2);
};

// 分类派单: decides for a new case what a 12345 dispatcher would: its category (text classifier
// plus taxonomy keywords, or the sensor rule's), where it is (point in polygon, else the
// gazetteer on its address and words), which departments own it and by when, or that a person
// must triage it. Also says when a report is the same problem as an open case. The taxonomy is
// re-read while serving when its file changes; everything else is fixed at start.
class Dispatcher {
 public:
  static absl::StatusOr<std::unique_ptr<Dispatcher>> Create(const DispatchFiles& files);

  // Fills category, confidence, area and the classification part of the reason of `c`, whose
  // complaint is set and normalized. `category_code`, when not empty, is a category decided
  // elsewhere (a sensor rule): it is taken with full confidence.
  void Classify(v1::Case& c, absl::string_view category_code) const;

  // Fills status, lead and assisting departments, deadline and the routing part of the reason
  // of a classified case: DISPATCHED, or NEEDS_TRIAGE (no department) when the classification
  // is not confident enough.
  void Route(v1::Case& c) const;

  // What near-duplicate matching compares of a classified case's report (its complaint).
  ReportSignature Signature(const v1::Case& c, const v1::Complaint& report) const;
  // How far and how long reports of `category_code` may join an open case.
  NearDuplicatePolicy MergePolicy(absl::string_view category_code) const;
  // How long a case of this category stays open to new reports (MergePolicy's window).
  absl::Duration MergeWindow(absl::string_view category_code) const;

  // Whether `code` is a category of the taxonomy in force.
  bool HasCategory(absl::string_view code) const;
  const TaxonomyWatcher& taxonomy() const { return *taxonomy_; }

 private:
  Dispatcher() = default;

  std::unique_ptr<TaxonomyWatcher> taxonomy_;
  std::unique_ptr<ComplaintClassifier> classifier_;
  std::optional<Gazetteer> gazetteer_;
  std::unique_ptr<Router> router_;  // owns the area map and the working calendar
  double triage_threshold_ = 0.5;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_DISPATCHER_H_
