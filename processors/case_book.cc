#include "processors/case_book.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace minsheng::processors {
namespace {

// Open cases kept per near-duplicate bucket: a hot spot (a market, a school gate) can have many,
// the oldest beyond this are forgotten first.
constexpr size_t kMaxBucketEntries = 64;
// Reports kept in full on a case; a hot issue may gather thousands, which report_count still
// counts, but every merge rewrites the case.
constexpr int kMaxKeptReports = 200;

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

absl::string_view ChannelName(v1::Channel channel) {
  switch (channel) {
    case v1::CHANNEL_HOTLINE:
      return "热线工单";
    case v1::CHANNEL_WECHAT:
      return "微信消息";
    case v1::CHANNEL_SENSOR:
      return "传感器";
    default:
      return "来源";
  }
}

google::protobuf::Timestamp RecordTime(const InputRecord& record) {
  google::protobuf::Timestamp at;
  at.set_seconds(record.timestamp_ms / 1000);
  at.set_nanos(static_cast<int32_t>(record.timestamp_ms % 1000) * 1000000);
  return at;
}

absl::Time ReportTime(const v1::Complaint& report) {
  return absl::FromUnixSeconds(report.received_at().seconds()) +
         absl::Nanoseconds(report.received_at().nanos());
}

// Records `report` among the case's reports, and its reporter and channel when they are new.
void AddReport(v1::Case& c, const v1::Complaint& report, absl::string_view merge_reason) {
  c.set_report_count(c.report_count() + 1);
  if (c.reports_size() < kMaxKeptReports) {
    v1::CaseReport* added = c.add_reports();
    added->set_channel(report.channel());
    added->set_source_id(report.source_id());
    *added->mutable_received_at() = report.received_at();
    added->set_reporter_pseudonym(report.reporter_pseudonym());
    added->set_title(report.title());
    added->set_content(report.content());
    if (report.has_location()) *added->mutable_location() = report.location();
    added->set_merge_reason(std::string(merge_reason));
  }
  const std::string& reporter = report.reporter_pseudonym();
  if (!reporter.empty() && std::find(c.reporters().begin(), c.reporters().end(), reporter) ==
                               c.reporters().end()) {
    c.add_reporters(reporter);
  }
  if (std::find(c.channels().begin(), c.channels().end(), report.channel()) ==
      c.channels().end()) {
    c.add_channels(report.channel());
  }
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

absl::StatusOr<v1::Case*> CaseBook::MutableCase(BatchContext& context, absl::string_view case_id) {
  if (auto it = batch_cases_.find(case_id); it != batch_cases_.end()) return &it->second;
  auto stored = context.store().GetCase(case_id);
  if (!stored.ok()) return stored.status();
  return &batch_cases_.emplace(std::string(case_id), *std::move(stored)).first->second;
}

absl::StatusOr<Filed> CaseBook::File(const InputRecord& record, v1::Complaint complaint,
                                     absl::string_view note, BatchContext& context,
                                     absl::string_view category_code) {
  normalizer_.NormalizeComplaint(complaint);
  vault_.ProtectPhone(complaint);
  v1::Case c;
  *c.mutable_complaint() = std::move(complaint);
  dispatcher_.Classify(c, category_code);

  ReportSignature signature = dispatcher_.Signature(c, c.complaint());
  const NearDuplicatePolicy policy = dispatcher_.MergePolicy(c.category_code());
  auto candidates = Candidates(signature, policy, context);
  if (!candidates.ok()) return candidates.status();
  if (std::optional<size_t> best = BestMatch(signature, *candidates, policy)) {
    const MergeDecision decision = Decide(signature, (*candidates)[*best], policy);
    return JoinOpenCase(record, c.complaint(), (*candidates)[*best], decision.reason, context);
  }

  auto sequence = NextSequence(record, context);
  if (!sequence.ok()) return sequence.status();
  c.set_case_id(FormatCaseId(c.complaint(), record.partition, *sequence));
  *c.mutable_created_at() = RecordTime(record);
  c.set_version(1);
  c.set_status(v1::CASE_STATUS_RECEIVED);
  AddHistory(c, record, note);
  dispatcher_.Route(c);
  if (c.status() == v1::CASE_STATUS_NEEDS_TRIAGE) {
    AddHistory(c, record, absl::StrCat("待人工分拣：", c.reason().triage_reason()));
  } else {
    AddHistory(c, record,
               absl::StrCat("派单 ", c.lead_department_name(), "（", c.reason().routing_rule(),
                            "），期限 ", c.reason().time_limit()));
  }
  c.mutable_source()->set_topic(std::string(record.topic));
  c.mutable_source()->set_partition(record.partition);
  c.mutable_source()->set_offset(record.offset);
  AddReport(c, c.complaint(), "");
  const std::string source_key = SourceKey(c.complaint().channel(), c.complaint().source_id());
  const std::string case_id = c.case_id();
  Put(std::move(c), context);
  batch_sources_[source_key] = case_id;
  context.update().SetOutcome(PositionOf(record),
                              {.kind = store::RecordOutcome::Kind::kOpened, .case_id = case_id});
  if (absl::Status s = Count(kCasesOpenedCounter, context); !s.ok()) return s;
  signature.case_id = case_id;
  if (absl::Status s = Remember(signature, policy, context); !s.ok()) return s;
  return Filed{case_id, /*joined=*/false};
}

absl::StatusOr<Filed> CaseBook::JoinOpenCase(const InputRecord& record,
                                             const v1::Complaint& report, ReportSignature match,
                                             absl::string_view why, BatchContext& context) {
  auto c = MutableCase(context, match.case_id);
  if (!c.ok()) return c.status();
  AddReport(**c, report, why);
  const std::string source = absl::StrCat(ChannelName(report.channel()), " ", report.source_id());
  if (absl::Status s = Merge(record, **c, report.channel(), report.source_id(),
                             absl::StrCat("并单：重复诉求 ", source, "（", why, "）"), context,
                             store::RecordOutcome::Kind::kMerged);
      !s.ok()) {
    return s;
  }
  match.reported_at = std::max(match.reported_at, ReportTime(report));
  const NearDuplicatePolicy policy = dispatcher_.MergePolicy(match.category_code);
  if (absl::Status s = Remember(match, policy, context); !s.ok()) return s;
  return Filed{match.case_id, /*joined=*/true};
}

absl::StatusOr<std::vector<ReportSignature>> CaseBook::Candidates(
    const ReportSignature& report, const NearDuplicatePolicy& policy, BatchContext& context) {
  std::vector<ReportSignature> candidates;
  std::set<std::string> seen;  // a case stored under two keys (cell and area) counts once
  for (const std::string& key : CandidateKeys(report, policy)) {
    auto bucket = Bucket(key, context);
    if (!bucket.ok()) return bucket.status();
    for (const ReportSignature& entry : **bucket) {
      if (seen.insert(entry.case_id).second) candidates.push_back(entry);
    }
  }
  return candidates;
}

absl::Status CaseBook::Remember(const ReportSignature& signature,
                                const NearDuplicatePolicy& policy, BatchContext& context) {
  for (const std::string& key : HomeKeys(signature)) {
    auto bucket = Bucket(key, context);
    if (!bucket.ok()) return bucket.status();
    std::vector<ReportSignature>& entries = **bucket;
    std::erase_if(entries, [&](const ReportSignature& e) { return e.case_id == signature.case_id; });
    entries.push_back(signature);
    PruneBucket(
        entries, signature.reported_at,
        [&](const ReportSignature& e) { return dispatcher_.MergeWindow(e.category_code); },
        kMaxBucketEntries);
    dirty_buckets_.insert(key);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ReportSignature>*> CaseBook::Bucket(const std::string& key,
                                                               BatchContext& context) {
  if (auto it = batch_buckets_.find(key); it != batch_buckets_.end()) return &it->second;
  std::vector<ReportSignature> entries;
  auto stored = context.store().GetState(kOpenCaseSignatures, key);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    auto decoded = DecodeBucket(**stored);
    // A bucket that cannot be read only costs the chance to merge into its cases.
    if (decoded.ok()) entries = *std::move(decoded);
  }
  return &batch_buckets_.emplace(key, std::move(entries)).first->second;
}

absl::Status CaseBook::Join(const InputRecord& record, absl::string_view case_id,
                            BatchContext& context) {
  context.update().SetOutcome(PositionOf(record), {.kind = store::RecordOutcome::Kind::kJoined,
                                                   .case_id = std::string(case_id)});
  return Count(kDuplicatesCounter, context);
}

absl::Status CaseBook::Merge(const InputRecord& record, v1::Case& updated, v1::Channel channel,
                             absl::string_view source_id, absl::string_view note,
                             BatchContext& context, store::RecordOutcome::Kind outcome) {
  updated.set_version(updated.version() + 1);
  AddHistory(updated, record, note);
  const std::string& case_id = updated.case_id();
  dirty_cases_.insert(case_id);
  Alias(channel, source_id, case_id, context);
  context.update().SetOutcome(PositionOf(record), {.kind = outcome, .case_id = case_id});
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
  batch_buckets_.clear();
}

void CaseBook::Put(v1::Case c, BatchContext& context) {
  dirty_cases_.insert(c.case_id());
  std::string case_id = c.case_id();
  batch_cases_[std::move(case_id)] = std::move(c);
}

void CaseBook::Flush(BatchContext& context) {
  for (const std::string& case_id : dirty_cases_) {
    context.update().PutCase(batch_cases_.find(case_id)->second);
  }
  for (const std::string& key : dirty_buckets_) {
    context.update().PutState(kOpenCaseSignatures, key,
                              EncodeBucket(batch_buckets_.find(key)->second));
  }
  dirty_cases_.clear();
  dirty_buckets_.clear();
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
