#ifndef MINSHENG_PROCESSORS_WECHAT_INTAKE_H_
#define MINSHENG_PROCESSORS_WECHAT_INTAKE_H_

#include <map>
#include <string>

#include "absl/time/time.h"
#include "processors/case_book.h"
#include "processors/record_processor.h"

namespace minsheng::processors {

// The stage for minsheng.intake.wechat.v1. Citizens often send a location, then a description,
// then a photo: messages from the same person within `assembly_window` of the previous one
// assemble into one complaint; a later message opens a new case. A message WeChat retried (same
// MsgId) changes nothing.
class WeChatIntake : public RecordProcessor {
 public:
  // The store name of the per-person assembly state.
  static constexpr char kAssemblyStore[] = "wechat-assembly";

  WeChatIntake(CaseBook& cases, absl::Duration assembly_window)
      : cases_(cases), window_seconds_(absl::ToInt64Seconds(assembly_window)) {}
  absl::Status Process(const InputRecord& record, BatchContext& context) override;
  void BeforeCommit(BatchContext& context) override { cases_.Flush(context); }
  void OnCommitted() override;

 private:
  struct Assembly {
    std::string case_id;
    int64_t last_message_time = 0;  // WeChat CreateTime, Unix seconds
  };
  absl::StatusOr<std::optional<Assembly>> FindAssembly(const std::string& person,
                                                       BatchContext& context);

  CaseBook& cases_;
  int64_t window_seconds_;
  std::map<std::string, std::optional<Assembly>> batch_assemblies_;  // changed in the open batch
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_WECHAT_INTAKE_H_
