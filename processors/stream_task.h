#ifndef MINSHENG_PROCESSORS_STREAM_TASK_H_
#define MINSHENG_PROCESSORS_STREAM_TASK_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "processors/record_processor.h"
#include "store/case_store.h"

namespace minsheng::processors {

// Runs the stages of the topology over their input topics: consume a batch, hand each record to
// the stage of its topic, send dead letters, then commit the batch's state and the next offsets
// in one store write. Offsets live in the store, not in Kafka, so a crash at any point replays
// exactly the uncommitted records. Partitions come from the consumer group, so several instances
// share the topics.
class StreamTask {
 public:
  struct Options {
    std::string bootstrap_servers;
    std::string group_id = "minsheng-processor";
    int max_batch_records = 1000;
    absl::Duration max_batch_wait = absl::Milliseconds(10);
    // Called on the task's thread after each batch is durable, e.g. to wake those waiting for
    // a record's outcome.
    std::function<void()> on_commit;
    // Called on the task's thread each time the group gives this task its partitions (possibly
    // none), i.e. when records written from now on will be processed.
    std::function<void()> on_assigned;
  };

  // Input topic -> the stage that processes its records.
  using Stages = std::map<std::string, RecordProcessor*>;

  static absl::StatusOr<std::unique_ptr<StreamTask>> Create(Options options,
                                                            store::CaseStore& store, Stages stages);
  ~StreamTask();

  // Processes until stop becomes true (then commits what it holds and leaves the group) or a
  // failure that needs an operator, such as input lost below the broker's log start.
  absl::Status Run(const std::atomic<bool>& stop);

 private:
  class Impl;
  explicit StreamTask(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_STREAM_TASK_H_
