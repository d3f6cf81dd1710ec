#include "processors/case_intake.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "ingest/hotline_work_order.h"

namespace minsheng::processors {
namespace {

std::string SequenceCounter(int32_t partition) {
  return absl::StrCat("intake.case_sequence.", partition);
}

// "MS-20250301-03000042": the local date the citizen called, the intake partition and a
// per-partition sequence. Partitions are owned by one processor at a time, so ids never collide.
std::string FormatCaseId(const v1::Complaint& complaint, int32_t partition, int64_t sequence) {
  const absl::Time received = absl::FromUnixSeconds(complaint.received_at().seconds());
  const absl::TimeZone zone = absl::FixedTimeZone(complaint.received_utc_offset_seconds());
  return absl::StrFormat("MS-%s-%02d%06d", absl::FormatTime("%Y%m%d", received, zone), partition,
                         sequence);
}

}  // namespace

absl::Status CaseIntake::Process(const InputRecord& record, BatchContext& context) {
  auto complaint = ingest::ParseHotlineWorkOrder(record.value);
  const store::RecordPosition position{std::string(record.topic), record.partition, record.offset};
  if (!complaint.ok()) {
    context.DeadLetter(complaint.status().message());
    context.update().SetOutcome(position, {.kind = store::RecordOutcome::Kind::kRejected,
                                           .reason = std::string(complaint.status().message())});
    return CountInBatch(kRejectedCounter, context);
  }
  const std::string source_key =
      absl::StrCat(static_cast<int>(complaint->channel()), ":", complaint->source_id());
  std::optional<std::string> existing_case;
  if (auto it = opened_in_batch_.find(source_key); it != opened_in_batch_.end()) {
    existing_case = it->second;
  } else {
    auto existing =
        context.store().FindCaseIdBySource(complaint->channel(), complaint->source_id());
    if (!existing.ok()) return existing.status();
    existing_case = *std::move(existing);
  }
  if (existing_case.has_value()) {
    context.update().SetOutcome(
        position, {.kind = store::RecordOutcome::Kind::kJoined, .case_id = *existing_case});
    return CountInBatch(kDuplicatesCounter, context);
  }

  const auto sequence = NextSequence(record.partition, context);
  if (!sequence.ok()) return sequence.status();
  v1::Case c;
  c.set_case_id(FormatCaseId(*complaint, record.partition, *sequence));
  c.set_status(v1::CASE_STATUS_RECEIVED);
  c.mutable_created_at()->set_seconds(record.timestamp_ms / 1000);
  c.mutable_created_at()->set_nanos(static_cast<int32_t>(record.timestamp_ms % 1000) * 1000000);
  c.set_version(1);
  v1::CaseEvent* received = c.add_history();
  *received->mutable_at() = c.created_at();
  received->set_actor("minsheng");
  received->set_status(v1::CASE_STATUS_RECEIVED);
  received->set_note(absl::StrCat("受理 hotline work order ", complaint->source_id()));
  c.mutable_source()->set_topic(std::string(record.topic));
  c.mutable_source()->set_partition(record.partition);
  c.mutable_source()->set_offset(record.offset);
  *c.mutable_complaint() = *std::move(complaint);

  context.update().PutCase(c);
  context.update().SetCounter(SequenceCounter(record.partition), *sequence);
  context.update().SetOutcome(
      position, {.kind = store::RecordOutcome::Kind::kOpened, .case_id = c.case_id()});
  opened_in_batch_.emplace(source_key, c.case_id());
  return CountInBatch(kCasesOpenedCounter, context);
}

void CaseIntake::OnCommitted() { opened_in_batch_.clear(); }

absl::StatusOr<int64_t> CaseIntake::NextSequence(int32_t partition, BatchContext& context) {
  auto it = sequences_.find(partition);
  if (it == sequences_.end()) {
    auto stored = context.store().Counter(SequenceCounter(partition));
    if (!stored.ok()) return stored.status();
    it = sequences_.emplace(partition, *stored).first;
  }
  return ++it->second;
}

absl::Status CaseIntake::CountInBatch(absl::string_view counter, BatchContext& context) {
  auto it = counters_.find(counter);
  if (it == counters_.end()) {
    auto stored = context.store().Counter(counter);
    if (!stored.ok()) return stored.status();
    it = counters_.emplace(std::string(counter), *stored).first;
  }
  context.update().SetCounter(counter, ++it->second);
  return absl::OkStatus();
}

}  // namespace minsheng::processors
