#include "processors/dedup/deployed_signatures.h"

#include "minsheng/v1/case.pb.h"

namespace minsheng::processors {

DispatchFiles ShippedDispatchFiles(const std::string& deploy_dir) {
  return {.taxonomy = deploy_dir + "/taxonomy.yaml",
          .classifier_model = deploy_dir + "/model/complaints.model",
          .working_calendar = deploy_dir + "/calendar/cn-2025-2026.yaml",
          .city_areas = deploy_dir + "/city/areas.geojson",
          .city_gazetteer = deploy_dir + "/city/gazetteer.yaml",
          .routing_rules = deploy_dir + "/city/routing.yaml"};
}

void SignAsDeployed(const Dispatcher& dispatcher, const ingest::TextNormalizer& normalizer,
                    std::vector<LabelledReport>& reports) {
  for (LabelledReport& r : reports) {
    v1::Case c;
    v1::Complaint& complaint = *c.mutable_complaint();
    // A message-board message arrives like a WeChat report: title and words, no coordinates.
    complaint.set_channel(v1::CHANNEL_WECHAT);
    complaint.set_title(r.title);
    complaint.set_content(r.text);
    const absl::Time at = r.signature.reported_at;
    const int64_t seconds = absl::ToUnixSeconds(at);  // rounds down, so nanos are not negative
    complaint.mutable_received_at()->set_seconds(seconds);
    complaint.mutable_received_at()->set_nanos(
        static_cast<int32_t>(absl::ToInt64Nanoseconds(at - absl::FromUnixSeconds(seconds))));
    normalizer.NormalizeComplaint(complaint);
    dispatcher.Classify(c, /*category_code=*/"");
    c.set_case_id(r.id);
    r.signature = dispatcher.Signature(c, c.complaint());
  }
}

}  // namespace minsheng::processors
