#include "processors/case_book.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace minsheng::processors {
namespace {

std::string SourceKey(v1::Channel channel, absl::string_view source_id) {
  return absl::StrCat(static_cast<int>(channel), ":", source_id);
}

RecordPosition PositionOf(const InputRecord& record) {
  return {std::string(record.topic), record.partition, record.offset};
}

char ChannelLetter(v1::Channel channel) {
  switch (channel) {
    case v1::CHANNEL_HOTLINE:
      return 'H';
    case v1::CHANNEL_WECHAT:
      return 'W';
    case v1::CHANNEL_SENSOR:
      return 'S';
    default:
      return 'X';
  }
}

google::protobuf::Timestamp RecordTime(const InputRecord& record) {
  google::protobuf::Timestamp at;
  at.set_seconds(record.timestamp_ms / 1000);
  at.set_nanos(static_cast<int32_t>(record.timestamp_ms % 1000) * 1000000);
  return at;
}

void AddHistory(v1::Case& c, const InputRecord& record, absl::string_view note) {
  v1::CaseEvent* event = c.add_history();
  *event->mutable_at() = RecordTime(record);
  event->set_actor("minsheng");
  event->set_status(c.status());
  event->set_note(std::string(note));
}

}  // namespace

std::string FormatCaseId(const v1::Complaint& complaint, int32_t partition, int64_t sequence) {
  const absl::Time received = absl::FromUnixSeconds(complaint.received_at().seconds());
  const absl::TimeZone zone = absl::FixedTimeZone(complaint.received_utc_offset_seconds());
  return absl::StrFormat("MS-%s-%c%02d%06d", absl::FormatTime("%Y%m%d", received, zone),
                         ChannelLetter(complaint.channel()), partition, sequence);
}

absl::StatusOr<std::optional<std::string>> CaseBook::FindCaseId(BatchContext& context,
                                                                v1::Channel channel,
                                                                absl::string_view source_id) {
  if (auto it = batch_sources_.find(SourceKey(channel, source_id)); it != batch_sources_.end()) {
    return it->second;
  }
  return context.store().FindCaseIdBySource(channel, source_id);
}

absl::StatusOr<v1::Case> CaseBook::GetCase(BatchContext& context, absl::string_view case_id) {
  if (auto it = batch_cases_.find(case_id); it != batch_cases_.end()) return it->second;
  return context.store().GetCase(case_id);
}

absl::StatusOr<std::string> CaseBook::Open(const InputRecord& record, v1::Complaint complaint,
                                           absl::string_view note, BatchContext& context) {
  auto sequence = NextSequence(record, context);
  if (!sequence.ok()) return sequence.status();
  normalizer_.NormalizeComplaint(complaint);
  vault_.ProtectPhone(complaint);
  v1::Case c;
  c.set_case_id(FormatCaseId(complaint, record.partition, *sequence));
  c.set_status(v1::CASE_STATUS_RECEIVED);
  *c.mutable_created_at() = RecordTime(record);
  c.set_version(1);
  AddHistory(c, record, note);
  c.mutable_source()->set_topic(std::string(record.topic));
  c.mutable_source()->set_partition(record.partition);
  c.mutable_source()->set_offset(record.offset);
  const std::string source_key = SourceKey(complaint.channel(), complaint.source_id());
  *c.mutable_complaint() = std::move(complaint);
  std::string case_id = c.case_id();
  Put(std::move(c), context);
  batch_sources_[source_key] = case_id;
  context.update().SetOutcome(PositionOf(record),
                              {.kind = store::RecordOutcome::Kind::kOpened, .case_id = case_id});
  if (absl::Status s = Count(kCasesOpenedCounter, context); !s.ok()) return s;
  return case_id;
}

absl::Status CaseBook::Join(const InputRecord& record, absl::string_view case_id,
                            BatchContext& context) {
  context.update().SetOutcome(PositionOf(record), {.kind = store::RecordOutcome::Kind::kJoined,
                                                   .case_id = std::string(case_id)});
  return Count(kDuplicatesCounter, context);
}

absl::Status CaseBook::Merge(const InputRecord& record, v1::Case updated, v1::Channel channel,
                             absl::string_view source_id, absl::string_view note,
                             BatchContext& context) {
  updated.set_version(updated.version() + 1);
  AddHistory(updated, record, note);
  const std::string case_id = updated.case_id();
  Put(std::move(updated), context);
  Alias(channel, source_id, case_id, context);
  context.update().SetOutcome(PositionOf(record),
                              {.kind = store::RecordOutcome::Kind::kJoined, .case_id = case_id});
  return Count(kMergedCounter, context);
}

void CaseBook::Alias(v1::Channel channel, absl::string_view source_id, absl::string_view case_id,
                     BatchContext& context) {
  context.update().IndexSource(channel, source_id, case_id);
  batch_sources_[SourceKey(channel, source_id)] = std::string(case_id);
}

absl::Status CaseBook::Reject(const InputRecord& record, absl::string_view reason,
                              BatchContext& context) {
  context.DeadLetter(reason);
  context.update().SetOutcome(PositionOf(record), {.kind = store::RecordOutcome::Kind::kRejected,
                                                   .reason = std::string(reason)});
  return Count(kRejectedCounter, context);
}

absl::Status CaseBook::Absorb(const InputRecord& record, BatchContext& context) {
  return Count(kReadingsWithoutCaseCounter, context);
}

void CaseBook::OnCommitted() {
  batch_sources_.clear();
  batch_cases_.clear();
}

void CaseBook::Put(v1::Case c, BatchContext& context) {
  context.update().PutCase(c);
  std::string case_id = c.case_id();
  batch_cases_[std::move(case_id)] = std::move(c);
}

absl::StatusOr<int64_t> CaseBook::NextSequence(const InputRecord& record, BatchContext& context) {
  const std::string counter =
      absl::StrCat("intake.case_sequence.", record.topic, ".", record.partition);
  auto it = sequences_.find(counter);
  if (it == sequences_.end()) {
    auto stored = context.store().Counter(counter);
    if (!stored.ok()) return stored.status();
    it = sequences_.emplace(counter, *stored).first;
  }
  context.update().SetCounter(counter, ++it->second);
  return it->second;
}

absl::Status CaseBook::Count(absl::string_view counter, BatchContext& context) {
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
