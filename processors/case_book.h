#ifndef MINSHENG_PROCESSORS_CASE_BOOK_H_
#define MINSHENG_PROCESSORS_CASE_BOOK_H_

#include <cstdint>
#include <map>
#include <set>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ingest/personal_data.h"
#include "ingest/text_normalizer.h"
#include "minsheng/v1/case.pb.h"
#include "processors/dedup/near_duplicate.h"
#include "processors/dispatcher.h"
#include "processors/record_processor.h"

namespace minsheng::processors {

// Counter names kept in the store. Inputs reconcile: records consumed = cases_opened +
// duplicates + merged + rejected + readings_without_case.
inline constexpr absl::string_view kCasesOpenedCounter = "intake.cases_opened";
inline constexpr absl::string_view kDuplicatesCounter = "intake.duplicates";
inline constexpr absl::string_view kMergedCounter = "intake.merged";
inline constexpr absl::string_view kRejectedCounter = "intake.rejected";
inline constexpr absl::string_view kReadingsWithoutCaseCounter = "intake.readings_without_case";

// Where a new report went.
struct Filed {
  std::string case_id;
  bool joined = false;  // it joined an open case about the same problem (并单)
};

// The operations every intake stage performs on cases, shared so that they behave alike: file a
// report (a new case, or a near-duplicate joining an open one), record a repeat, merge a further
// part of a report into a case, reject a record. Each also stores the record's outcome (its
// ticket) and counts it. Changes made in the open batch are visible to later records of the same
// batch before the store has them.
class CaseBook {
 public:
  // Every complaint filed is normalized and has its personal data protected first; `dispatcher`
  // classifies, locates and routes it.
  CaseBook(const ingest::TextNormalizer& normalizer, const ingest::PersonalDataVault& vault,
           const Dispatcher& dispatcher)
      : normalizer_(normalizer), vault_(vault), dispatcher_(dispatcher) {}

  // The case a channel's report belongs to, if any.
  absl::StatusOr<std::optional<std::string>> FindCaseId(BatchContext& context, v1::Channel channel,
                                                        absl::string_view source_id);
  // The case as this batch sees it, to be changed in place and handed to Merge: read from the
  // store the first time the batch asks for it. A case with hundreds of reports is large, so
  // it is never copied.
  absl::StatusOr<v1::Case*> MutableCase(BatchContext& context, absl::string_view case_id);

  // Files a new report: it joins an open case about the same problem when there is one (same
  // category family, close by, recent, similar words), else it opens a case, classified and
  // dispatched (or left for triage). `category_code` is a category decided by the channel (a
  // sensor rule), empty to classify the text.
  absl::StatusOr<Filed> File(const InputRecord& record, v1::Complaint complaint,
                             absl::string_view note, BatchContext& context,
                             absl::string_view category_code = "");
  // The record repeats a report the case already has.
  absl::Status Join(const InputRecord& record, absl::string_view case_id, BatchContext& context);
  // The record adds a report to `updated`, a case from MutableCase: it becomes the next version
  // (written with the batch) and (channel, source_id) finds it.
  absl::Status Merge(const InputRecord& record, v1::Case& updated, v1::Channel channel,
                     absl::string_view source_id, absl::string_view note, BatchContext& context,
                     store::RecordOutcome::Kind outcome = store::RecordOutcome::Kind::kJoined);
  // Lets (channel, source_id) find an existing case too, e.g. a sensor's device id its open
  // condition's case.
  void Alias(v1::Channel channel, absl::string_view source_id, absl::string_view case_id,
             BatchContext& context);
  // The record cannot be taken: it becomes a dead letter with this reason.
  absl::Status Reject(const InputRecord& record, absl::string_view reason, BatchContext& context);
  // The record was taken but needs no case (e.g. a sensor reading below every threshold).
  absl::Status Absorb(const InputRecord& record, BatchContext& context);

  // Writes the cases and open-case buckets the batch changed, each once.
  void Flush(BatchContext& context);
  void OnCommitted();

  const ingest::TextNormalizer& normalizer() const { return normalizer_; }
  const ingest::PersonalDataVault& vault() const { return vault_; }

 private:
  absl::Status Count(absl::string_view counter, BatchContext& context);
  // Adds `report` to the open case `match` describes, as another report of its problem.
  absl::StatusOr<Filed> JoinOpenCase(const InputRecord& record, const v1::Complaint& report,
                                     ReportSignature match, absl::string_view why,
                                     BatchContext& context);
  // The open cases whose signatures share a bucket with `report`.
  absl::StatusOr<std::vector<ReportSignature>> Candidates(const ReportSignature& report,
                                                          const NearDuplicatePolicy& policy,
                                                          BatchContext& context);
  // Stores (or refreshes) the signature of an open case in its buckets.
  absl::Status Remember(const ReportSignature& signature, const NearDuplicatePolicy& policy,
                        BatchContext& context);
  absl::StatusOr<std::vector<ReportSignature>*> Bucket(const std::string& key,
                                                       BatchContext& context);
  absl::StatusOr<int64_t> NextSequence(const InputRecord& record, BatchContext& context);
  void Put(v1::Case c, BatchContext& context);

  const ingest::TextNormalizer& normalizer_;
  const ingest::PersonalDataVault& vault_;
  const Dispatcher& dispatcher_;
  std::map<std::string, int64_t, std::less<>> sequences_;
  std::map<std::string, int64_t, std::less<>> counters_;
  // What the open batch changed, which the store cannot see yet.
  std::map<std::string, std::string, std::less<>> batch_sources_;  // source key -> case id
  std::map<std::string, v1::Case, std::less<>> batch_cases_;
  // Near-duplicate buckets read or changed in the open batch.
  std::map<std::string, std::vector<ReportSignature>, std::less<>> batch_buckets_;
  // What Flush must write.
  std::set<std::string, std::less<>> dirty_cases_, dirty_buckets_;
};

// The state store holding the near-duplicate buckets of open cases.
inline constexpr absl::string_view kOpenCaseSignatures = "open-case-signatures";

// A case's id: "MS-<local date of the report>-<channel letter><2-digit partition><6-digit
// sequence>", e.g. "MS-20250301-H03000042". Partitions have one owner at a time and the sequence
// lives beside the partition's offset, so ids are unique and the same after a replay.
std::string FormatCaseId(const v1::Complaint& complaint, int32_t partition, int64_t sequence);

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_CASE_BOOK_H_
