#ifndef MINSHENG_PROCESSORS_OUTCOME_WAITER_H_
#define MINSHENG_PROCESSORS_OUTCOME_WAITER_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "store/case_store.h"

namespace minsheng::processors {

// Lets a writer of an intake record wait until the processor has stored what became of it, so
// it can answer its client with a ticket. Woken by the stream task after every commit.
class OutcomeWaiter {
 public:
  explicit OutcomeWaiter(const store::CaseStore& store) : store_(store) {}

  // StreamTask::Options::on_commit.
  void OnCommit();
  // The record's outcome, or DeadlineExceeded when it is not processed by deadline.
  absl::StatusOr<store::RecordOutcome> Wait(const RecordPosition& position, absl::Time deadline);

 private:
  const store::CaseStore& store_;
  absl::Mutex mutex_;
  uint64_t commits_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_OUTCOME_WAITER_H_
