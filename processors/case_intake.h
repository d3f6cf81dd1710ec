#ifndef MINSHENG_PROCESSORS_CASE_INTAKE_H_
#define MINSHENG_PROCESSORS_CASE_INTAKE_H_

#include <cstdint>
#include <map>
#include <string>

#include "processors/record_processor.h"

namespace minsheng::processors {

// Turns hotline work orders into cases: validates and normalizes each record, recognises exact
// repeats of a work order already taken (same channel and source id), and opens a RECEIVED case
// for each new one. Invalid records become dead letters. Every record's outcome is stored, so
// whoever wrote it can learn its ticket.
class CaseIntake : public RecordProcessor {
 public:
  absl::Status Process(const InputRecord& record, BatchContext& context) override;
  void OnCommitted() override;

 private:
  // The next case sequence number of an intake partition, loaded from the store on first use.
  absl::StatusOr<int64_t> NextSequence(int32_t partition, BatchContext& context);
  absl::Status CountInBatch(absl::string_view counter, BatchContext& context);

  std::map<int32_t, int64_t> sequences_;
  std::map<std::string, int64_t, std::less<>> counters_;
  // Source key -> case id of the cases opened in the open batch, which the store cannot see yet.
  std::map<std::string, std::string, std::less<>> opened_in_batch_;
};

// Counter names kept in the store, so inputs reconcile: records = cases + duplicates + rejected.
inline constexpr absl::string_view kCasesOpenedCounter = "intake.cases_opened";
inline constexpr absl::string_view kDuplicatesCounter = "intake.duplicates";
inline constexpr absl::string_view kRejectedCounter = "intake.rejected";

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_CASE_INTAKE_H_
