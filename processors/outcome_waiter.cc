#include "processors/outcome_waiter.h"

#include "absl/strings/str_cat.h"

namespace minsheng::processors {

void OutcomeWaiter::OnCommit() {
  absl::MutexLock lock(&mutex_);
  ++commits_;
}

absl::StatusOr<store::RecordOutcome> OutcomeWaiter::Wait(const RecordPosition& position,
                                                         absl::Time deadline) {
  for (;;) {
    uint64_t seen;
    {
      absl::MutexLock lock(&mutex_);
      seen = commits_;  // read before the store, so a commit after the read is not missed
    }
    auto outcome = store_.Outcome(position);
    if (!outcome.ok()) return outcome.status();
    if (outcome->has_value()) return **outcome;
    absl::MutexLock lock(&mutex_);
    auto committed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return commits_ != seen; };
    if (!mutex_.AwaitWithDeadline(absl::Condition(&committed), deadline)) {
      return absl::DeadlineExceededError(absl::StrCat("record ", position.topic, "/",
                                                      position.partition, "@", position.offset,
                                                      " is not processed yet"));
    }
  }
}

}  // namespace minsheng::processors
