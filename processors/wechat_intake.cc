#include "processors/wechat_intake.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ingest/wechat_report.h"

namespace minsheng::processors {
namespace {

std::string EncodeAssembly(const std::string& case_id, int64_t last_message_time) {
  return absl::StrCat(case_id, " ", last_message_time);
}

}  // namespace

absl::StatusOr<std::optional<WeChatIntake::Assembly>> WeChatIntake::FindAssembly(
    const std::string& person, BatchContext& context) {
  if (auto it = batch_assemblies_.find(person); it != batch_assemblies_.end()) return it->second;
  auto stored = context.store().GetState(kAssemblyStore, person);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::nullopt;
  std::pair<std::string, std::string> parts = absl::StrSplit(**stored, ' ');
  Assembly assembly{parts.first, 0};
  if (!absl::SimpleAtoi(parts.second, &assembly.last_message_time)) {
    return absl::DataLossError(absl::StrCat("corrupt wechat assembly state: ", **stored));
  }
  return assembly;
}

absl::Status WeChatIntake::Process(const InputRecord& record, BatchContext& context) {
  auto report = ingest::ParseWeChatReport(record.value);
  if (!report.ok()) return cases_.Reject(record, report.status().message(), context);
  auto retried = cases_.FindCaseId(context, v1::CHANNEL_WECHAT, report->msg_id);
  if (!retried.ok()) return retried.status();
  if (retried->has_value()) return cases_.Join(record, **retried, context);

  auto assembly = FindAssembly(report->openid_pseudonym, context);
  if (!assembly.ok()) return assembly.status();
  Assembly next;
  if (assembly->has_value() &&
      std::abs(report->create_time - (*assembly)->last_message_time) <= window_seconds_) {
    auto c = cases_.MutableCase(context, (*assembly)->case_id);
    if (!c.ok()) return c.status();
    v1::Complaint& complaint = *(*c)->mutable_complaint();
    // Assemble the citizen's own words, then normalize the whole text again.
    std::string words =
        complaint.content_original().empty() ? complaint.content() : complaint.content_original();
    if (!report->content.empty()) {
      words = words.empty() ? report->content : absl::StrCat(words, "\n", report->content);
    }
    ingest::WeChatReport rest = *report;
    rest.content.clear();
    ingest::AddReportToComplaint(rest, complaint);
    complaint.set_content(cases_.normalizer().Normalize(words));
    complaint.set_content_original(complaint.content() == words ? "" : words);
    if (absl::Status s = cases_.Merge(record, **c, v1::CHANNEL_WECHAT, report->msg_id,
                                      absl::StrCat("合并微信消息 ", report->msg_id), context);
        !s.ok()) {
      return s;
    }
    next = {(*assembly)->case_id, std::max(report->create_time, (*assembly)->last_message_time)};
  } else {
    v1::Complaint complaint;
    ingest::AddReportToComplaint(*report, complaint);
    auto filed = cases_.File(record, std::move(complaint),
                             absl::StrCat("受理 微信消息 ", report->msg_id), context);
    if (!filed.ok()) return filed.status();
    if (filed->joined) {
      // The case is someone else's report of the same problem: this person's further messages
      // must not rewrite it, so they are filed on their own (and may join it again).
      context.update().DeleteState(kAssemblyStore, report->openid_pseudonym);
      batch_assemblies_[report->openid_pseudonym] = std::nullopt;
      return absl::OkStatus();
    }
    next = {filed->case_id, report->create_time};
  }
  context.update().PutState(kAssemblyStore, report->openid_pseudonym,
                            EncodeAssembly(next.case_id, next.last_message_time));
  batch_assemblies_[report->openid_pseudonym] = next;
  return absl::OkStatus();
}

void WeChatIntake::OnCommitted() {
  cases_.OnCommitted();
  batch_assemblies_.clear();
}

}  // namespace minsheng::processors
