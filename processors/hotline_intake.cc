#include "processors/hotline_intake.h"

#include "absl/strings/str_cat.h"
#include "ingest/hotline_work_order.h"

namespace minsheng::processors {

absl::Status HotlineIntake::Process(const InputRecord& record, BatchContext& context) {
  auto complaint = ingest::ParseHotlineWorkOrder(record.value);
  if (!complaint.ok()) return cases_.Reject(record, complaint.status().message(), context);
  auto existing = cases_.FindCaseId(context, v1::CHANNEL_HOTLINE, complaint->source_id());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return cases_.Join(record, **existing, context);
  const std::string note = absl::StrCat("受理 hotline work order ", complaint->source_id());
  return cases_.File(record, *std::move(complaint), note, context).status();
}

}  // namespace minsheng::processors
