#ifndef MINSHENG_PROCESSORS_HOTLINE_INTAKE_H_
#define MINSHENG_PROCESSORS_HOTLINE_INTAKE_H_

#include "processors/case_book.h"
#include "processors/record_processor.h"

namespace minsheng::processors {

// The stage for minsheng.intake.hotline.v1: validates and normalizes each 12345 work order,
// recognises a work order already taken (same work_order_id), and opens a case for each new one.
class HotlineIntake : public RecordProcessor {
 public:
  explicit HotlineIntake(CaseBook& cases) : cases_(cases) {}
  absl::Status Process(const InputRecord& record, BatchContext& context) override;
  void BeforeCommit(BatchContext& context) override { cases_.Flush(context); }
  void OnCommitted() override { cases_.OnCommitted(); }

 private:
  CaseBook& cases_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_HOTLINE_INTAKE_H_
